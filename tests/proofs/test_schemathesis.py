"""schemathesis against the app's own OpenAPI schema, in-process, as three callers.

Every operation of `/api/schema/` gets a fixed number of generated requests (derandomized, so CI
sees the same ones each run) as an anonymous client and as two members; every response must be
free of 5xx and conform to the schema (status code and body).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from config.wsgi import application
from tests.currency.funding import give_ach

EXAMPLES_PER_OPERATION = 5
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _fuzz_operation(operation: Any, headers: dict[str, str], failures: dict[str, str]) -> int:
    calls = 0

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as error:  # collect them all, report at the end
            failures.setdefault(f"{case.method} {operation.path}", str(error)[:1200])

    run()
    return calls


def _fuzz(headers: dict[str, str]) -> tuple[int, int, dict[str, str]]:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = examples = 0
    failures: dict[str, str] = {}  # one per operation: the first failure found
    for result in schema.get_all_operations():
        operations += 1
        examples += _fuzz_operation(result.ok(), headers, failures)  # type: ignore[union-attr]
    return operations, examples, failures


@pytest.fixture
def connection_kept_across_requests():
    # A WSGI request closes the database connection when it ends; the test's transaction lives
    # on it, so do as Django's test client does and keep it open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _token_headers(member) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.create(user=member.user).key}"}


@pytest.mark.parametrize("caller", ["anonymous", "member_a", "member_b"])
def test_no_generated_request_gets_a_server_error_or_an_off_schema_answer(
    caller, make_member, connection_kept_across_requests
):
    a, b = make_member(username="alice"), make_member(username="bruno")
    give_ach(a, "50.00")
    give_ach(b, "50.00")
    headers = {} if caller == "anonymous" else _token_headers(a if caller == "member_a" else b)
    operations, examples, failures = _fuzz(headers)
    print(f"{caller}: {operations} operations, {examples} examples")
    assert failures == {}, "\n\n".join(f"{name}: {error}" for name, error in failures.items())
