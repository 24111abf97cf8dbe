"""schemathesis against the app's own OpenAPI schema, in-process, as three callers.

Every operation of `/api/schema/` gets a fixed number of generated requests (derandomized, so CI
sees the same ones each run) as an anonymous client and as two members; every response must be
free of 5xx and conform to the schema (status code and body).

Then the negative mode: requests that break the schema on purpose (wrong types, missing required
fields, out-of-range values, malformed path and query parameters), a fixed number per operation,
as the same three callers: not one may get a 5xx, and every write must be refused with a 4xx (a
read may ignore an unknown or malformed query parameter and answer with its defaults).
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from config.wsgi import application
from members.models import Commune
from members.services import api_token_create
from places.models import OpeningException, OpeningRule, Place, Resource, ResourcePrice
from tests.currency.funding import give_ach

EXAMPLES_PER_OPERATION = 5
NEGATIVE_EXAMPLES_PER_OPERATION = 3
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


def _fuzz_operation_negatively(
    operation: Any, headers: dict[str, str], failures: dict[str, str], statuses: Counter[str]
) -> int:
    """Schema-violating requests for one operation: no 5xx, and every write refused with a 4xx."""
    calls = 0

    @settings(
        max_examples=NEGATIVE_EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        response = case.call(headers=headers)
        statuses[f"{case.method} {response.status_code // 100}xx"] += 1
        # A read may ignore what it does not know (an unknown or malformed query parameter falls back
        # to the default, as DRF's pagination does); a write must refuse what breaks the schema. Not
        # judged: a write with no body nor parameter (an optional body left out), and a form-encoded
        # one (the encoding flattens or drops the nested values that broke the schema, so what the
        # server receives may be a valid request, its optional fields defaulted).
        sent_json = case.body is not NOT_SET and (case.media_type or "").endswith("json")
        broke_something = sent_json or bool(case.query) or bool(case.path_parameters)
        refused = 400 <= response.status_code < 500
        if response.status_code >= 500 or (case.method != "GET" and broke_something and not refused):
            failures.setdefault(
                f"{case.method} {operation.path}",
                f"{response.status_code} for {case.media_type} {case.path_parameters} {case.query} {case.body!r}"[
                    :1200
                ],
            )

    try:
        run()
    except Unsatisfiable:
        statuses["no negative case"] += 1  # nothing in the operation's schema can be broken
    return calls


def _fuzz_negatively(headers: dict[str, str]) -> tuple[int, int, Counter[str], dict[str, str]]:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = examples = 0
    statuses: Counter[str] = Counter()
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operations += 1
        examples += _fuzz_operation_negatively(result.ok(), headers, failures, statuses)  # type: ignore[union-attr]
    return operations, examples, statuses, failures


@pytest.fixture
def connection_kept_across_requests():
    # A WSGI request closes the database connection when it ends; the test's transaction lives
    # on it, so do as Django's test client does and keep it open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _a_place() -> None:
    """A public tiers-lieu with opening hours, a season, a closure and a priced resource, so the
    places' lists answer real rows to check against the schema."""
    place = Place.objects.create(
        name="Le Bocal",
        kinds=["coworking"],
        commune=Commune.objects.get(name="Les Achards"),
        address="12 rue Georges-Clemenceau, 85150 Les Achards",
        latitude="46.616700",
        longitude="-1.649200",
        services=["wifi"],
        units=["ACH"],
    )
    OpeningRule.objects.create(place=place, weekday=0, opens=datetime.time(9), closes=datetime.time(18))
    OpeningRule.objects.create(
        place=place,
        weekday=5,
        opens=datetime.time(9),
        closes=datetime.time(12),
        valid_until=timezone.localdate() + datetime.timedelta(days=90),
    )
    OpeningException.objects.create(place=place, date=timezone.localdate() + datetime.timedelta(days=3), kind="closure")
    room = Resource.objects.create(place=place, name="Salle", kind="meeting_room", buffer_minutes=15)
    ResourcePrice.objects.create(resource=room, unit="ACH", amount=1000)


def _token_headers(member) -> dict[str, str]:
    return {"Authorization": f"Token {api_token_create(user=member.user, actor=None)[1]}"}


@pytest.mark.parametrize("caller", ["anonymous", "member_a", "member_b"])
def test_no_generated_request_gets_a_server_error_or_an_off_schema_answer(
    caller, make_member, connection_kept_across_requests
):
    a, b = make_member(username="alice"), make_member(username="bruno")
    give_ach(a, "50.00")
    give_ach(b, "50.00")
    _a_place()
    headers = {} if caller == "anonymous" else _token_headers(a if caller == "member_a" else b)
    operations, examples, failures = _fuzz(headers)
    print(f"{caller}: {operations} operations, {examples} examples")
    assert failures == {}, "\n\n".join(f"{name}: {error}" for name, error in failures.items())


@pytest.mark.parametrize("caller", ["anonymous", "member_a", "member_b"])
def test_no_schema_violating_request_gets_a_server_error(caller, make_member, connection_kept_across_requests):
    a, b = make_member(username="alice"), make_member(username="bruno")
    give_ach(a, "50.00")
    give_ach(b, "50.00")
    _a_place()
    headers = {} if caller == "anonymous" else _token_headers(a if caller == "member_a" else b)
    operations, examples, statuses, failures = _fuzz_negatively(headers)
    print(f"{caller} (negative): {operations} operations, {examples} examples, {dict(sorted(statuses.items()))}")
    assert failures == {}, "\n\n".join(f"{name}: {error}" for name, error in failures.items())
    assert examples > operations  # most operations had something to break
