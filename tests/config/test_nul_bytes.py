"""A NUL character anywhere in a request's query string (key or value), path or page form is a 400, never a 500.

PostgreSQL refuses NUL in text: a search for `?q=%00` used to end in a 500. One middleware answers
every route the same way; the routes come from the access matrix's own enumeration.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from core.models import AuditEvent
from ledger.models import Transaction
from members.models import Member
from tests.conftest import PASSWORD, account_of
from tests.proofs import test_access_matrix as matrix

pytestmark = pytest.mark.django_db

world = matrix.world  # the access matrix's world: B's objects fill the routes' parameters

QUERIES = ("q=%00", "q=ok&pa%00ge=1")


def refused_with_400(response) -> bool:
    if response.status_code != 400:
        return False
    if response["Content-Type"] == "application/json":
        return response.json()["code"] == "bad_request"
    return "NUL" in response.content.decode()


def test_a_nul_in_the_query_string_of_every_route_is_a_400_for_a_member_and_a_stranger(world):
    member = Client(raise_request_exception=False)
    member.force_login(world.a.member.user)
    stranger = Client(raise_request_exception=False)
    before = matrix.database_fingerprint()
    problems, calls = [], 0
    for route in matrix.all_routes():
        for url in matrix.urls_for(route, world):
            for query in QUERIES:
                for name, client in (("member", member), ("anonymous", stranger)):
                    response = client.get(f"{url}?{query}")
                    calls += 1
                    if not refused_with_400(response):
                        problems.append(f"{name} GET {url}?{query} → {response.status_code}")
    assert calls > 1000
    assert problems == [], "\n".join(problems)
    assert matrix.changed(before, matrix.database_fingerprint()) == []


@pytest.fixture
def auditor(make_member) -> Member:
    member = make_member(username="auditrice")
    member.user.user_permissions.add(Permission.objects.get(content_type__app_label="ledger", codename="audit_ledger"))
    return member


@pytest.mark.parametrize(
    ("url", "json"),
    [("/public/directory/", False), ("/api/directory/", True), ("/audit/accounts/", False)],
)
def test_the_searches_answer_400_to_a_nul_and_still_search_without_one(auditor, url, json):
    client = Client(raise_request_exception=False)
    client.force_login(auditor.user)

    refused = client.get(url, {"q": "\x00"}, HTTP_ACCEPT_LANGUAGE="fr")
    searched = client.get(url, {"q": "audit"})

    assert refused.status_code == 400
    message = "La requête contient un caractère NUL, qu’aucun champ n’accepte."
    if json:
        assert refused.json() == {"code": "bad_request", "message": message}
    else:
        assert message in refused.content.decode()
    assert searched.status_code == 200


def test_a_nul_in_a_page_form_is_a_400_and_writes_nothing(make_member):
    payer, payee = make_member(username="alice"), make_member(username="bruno")
    client = Client(raise_request_exception=False)
    client.force_login(payer.user)
    before = Transaction.objects.count(), AuditEvent.objects.count()

    payment = client.post("/pay/", {"to": payee.pk, "amount": "1", "memo": "loyer\x00"})
    login = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "alice\x00", "password": PASSWORD}
    )

    assert (payment.status_code, login.status_code) == (400, 400)
    assert (Transaction.objects.count(), AuditEvent.objects.count()) == before
    assert account_of(payer, "HRS").balance == account_of(payee, "HRS").balance == 0
