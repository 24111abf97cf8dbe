"""The ledger API's doors: tokens, anonymous calls, and the units listed to anyone."""

from __future__ import annotations

from rest_framework.test import APIClient

from core.models import IdempotencyRecord
from tests.conftest import PASSWORD, account_of, api_client_for
from tests.ledger.api.support import (
    HOLDS,
    assert_error,
    balance,
    ledger_state,
    post_transfer,
    transfer_body,
)


def test_a_token_from_the_token_endpoint_authenticates_api_calls(funded_alice, bob):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    accounts = client.get("/api/accounts/", {"unit": "ACH"})
    assert accounts.status_code == 200
    assert [account["id"] for account in accounts.json()["results"]] == [account_of(funded_alice, "ACH").pk]

    payment = post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")))
    assert payment.status_code == 201
    assert payment.json()["actor"] == "alice"
    assert balance(account_of(bob, "ACH")) == (1000, 0)


def test_an_unknown_token_answers_401_and_posts_nothing(funded_alice, bob):
    before = ledger_state()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")))
    assert_error(response, 401, "authentication_failed")
    assert ledger_state() == before


def test_anonymous_calls_answer_401(funded_alice, bob):
    client = api_client_for(None)
    account = account_of(funded_alice, "ACH")
    before = ledger_state()
    assert_error(client.get("/api/accounts/"), 401, "not_authenticated")
    assert_error(client.get(f"/api/accounts/{account.pk}/entries/"), 401, "not_authenticated")
    assert_error(post_transfer(client, transfer_body(account, account_of(bob, "ACH"))), 401, "not_authenticated")
    assert_error(client.get("/api/transactions/1/"), 401, "not_authenticated")
    assert_error(client.post("/api/transactions/1/reverse/", {}, format="json"), 401, "not_authenticated")
    assert_error(
        client.post(HOLDS, transfer_body(account, account_of(bob, "ACH")), format="json"), 401, "not_authenticated"
    )
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


def test_units_are_listed_with_their_default_limits_to_anyone(db, settings):
    response = api_client_for(None).get("/api/units/")
    assert response.status_code == 200
    names = {code: str(unit["name"]) for code, unit in settings.BOCAGE_UNITS.items()}
    assert response.json() == [
        {
            "code": "EUR",
            "name": names["EUR"],
            "kind": "fiat",
            "decimals": 2,
            "default_min_balance": "0.00",
            "default_max_balance": None,
        },
        {
            "code": "ACH",
            "name": names["ACH"],
            "kind": "backed",
            "decimals": 2,
            "default_min_balance": "0.00",
            "default_max_balance": None,
        },
        {
            "code": "HRS",
            "name": names["HRS"],
            "kind": "mutual_credit",
            "decimals": 2,
            "default_min_balance": "-20.00",
            "default_max_balance": "100.00",
        },
        {
            "code": "GRN",
            "name": names["GRN"],
            "kind": "mutual_credit",
            "decimals": 2,
            "default_min_balance": "-500.00",
            "default_max_balance": "2000.00",
        },
        {
            "code": "CRJ",
            "name": names["CRJ"],
            "kind": "credit",
            "decimals": 2,
            "default_min_balance": "0.00",
            "default_max_balance": None,
        },
        {
            "code": "CRH",
            "name": names["CRH"],
            "kind": "credit",
            "decimals": 2,
            "default_min_balance": "0.00",
            "default_max_balance": None,
        },
    ]
