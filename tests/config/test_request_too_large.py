"""An API body over DATA_UPLOAD_MAX_MEMORY_SIZE (10 MiB) is answered 413 in JSON on every API route.

With DEBUG on (the embedded run), Django answered /api/transfers/ with its HTML 400 page: the
RequestDataTooBig raised as DRF read the body never reached the API's error shape.
"""

from __future__ import annotations

import json
import uuid

import pytest
from rest_framework.test import APIClient

from ledger.models import Transaction
from tests.conftest import account_of
from tests.proofs import test_access_matrix as matrix

pytestmark = pytest.mark.django_db

world = matrix.world  # the access matrix's world: B's objects fill the routes' parameters

ELEVEN_MIB = 11 * 1024 * 1024


def assert_too_large(response) -> None:
    assert response.status_code == 413, (response.status_code, response.content[:200])
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "request_too_large", "message": "Le corps de la requête est trop volumineux."}


def test_an_eleven_mebibyte_transfer_is_answered_413_in_json_and_posts_nothing(make_member, settings):
    settings.DEBUG = True  # as `make run` serves it
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user=alice.user)
    body = {
        "from_account": account_of(alice, "HRS").pk,
        "to_account": account_of(bruno, "HRS").pk,
        "amount": "1",
        "memo": "x" * ELEVEN_MIB,
    }
    before = Transaction.objects.count()

    response = client.post(
        "/api/transfers/", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )

    assert_too_large(response)
    assert Transaction.objects.count() == before


def test_a_body_found_too_large_only_as_drf_reads_it_is_answered_413_in_json_too(make_member, settings):
    # A chunked body announces no length, so only the reading finds it too large: without the
    # middleware's early look, the API's exception handler must give the same answer.
    settings.DEBUG = True
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if not name.endswith("RequestGuardMiddleware")]
    alice = make_member(username="alice")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user=alice.user)

    response = client.post(
        "/api/transfers/",
        json.dumps({"memo": "x" * ELEVEN_MIB}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )

    assert_too_large(response)


def test_every_api_route_answers_an_eleven_mebibyte_json_post_with_413_and_writes_nothing(world, settings):
    settings.DEBUG = True
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user=world.a.member.user)
    body = json.dumps({"memo": "x" * ELEVEN_MIB})
    before = matrix.database_fingerprint()
    problems, calls = [], 0
    for route in matrix.all_routes():
        if not route.startswith("api/"):
            continue
        for url in matrix.urls_for(route, world):
            response = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
            calls += 1
            if response.status_code != 413 or response.json().get("code") != "request_too_large":
                problems.append(f"POST {url} → {response.status_code} {response.content[:120]!r}")
    assert calls > 50
    assert problems == [], "\n".join(problems)
    assert matrix.changed(before, matrix.database_fingerprint()) == []
