"""Transactions through the ledger API: who sees one, and reversal by staff only."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from ledger.models import Transaction
from ledger.services import transfer_create
from tests.conftest import account_of, api_client_for
from tests.ledger.api.support import (
    DEEPLY_NESTED_JSON,
    MALFORMED_JSON,
    assert_error,
    balance,
    expected_transaction,
    ledger_state,
    with_parsed_dates,
)


@pytest.fixture
def payment(funded_alice, bob) -> Transaction:
    return transfer_create(
        from_account=account_of(funded_alice, "ACH"),
        to_account=account_of(bob, "ACH"),
        amount=Money("30", "ACH"),
        memo="rent",
        actor=funded_alice.user,
    )


@pytest.mark.parametrize("who", ["payer", "payee", "staff", "auditor"])
def test_a_transaction_is_shown_to_its_parties_staff_and_auditors(who, payment, funded_alice, bob, staff_user, auditor):
    user = {"payer": funded_alice.user, "payee": bob.user, "staff": staff_user, "auditor": auditor}[who]
    response = api_client_for(user).get(f"/api/transactions/{payment.pk}/")
    assert response.status_code == 200
    assert with_parsed_dates(response.json(), "created_at") == expected_transaction(payment, "alice")


def test_a_transaction_of_others_answers_404(payment, carol):
    assert_error(api_client_for(carol.user).get(f"/api/transactions/{payment.pk}/"), 404, "not_found")


@pytest.mark.parametrize("raw_id", ["abc", "0", "-1", "99999", str(2**63)])
def test_transaction_ids_that_name_nothing_answer_404(raw_id, payment, staff_user):
    client = api_client_for(staff_user)
    before = ledger_state()
    assert_error(client.get(f"/api/transactions/{raw_id}/"), 404, "not_found")
    assert_error(client.post(f"/api/transactions/{raw_id}/reverse/", {}, format="json"), 404, "not_found")
    assert ledger_state() == before


def test_staff_reverses_a_transaction_once(payment, funded_alice, bob, staff_user):
    client = api_client_for(staff_user)
    response = client.post(f"/api/transactions/{payment.pk}/reverse/", {"memo": "mistake"}, format="json")
    assert response.status_code == 201
    reversal = Transaction.objects.get(reverses=payment)
    assert with_parsed_dates(response.json(), "created_at") == expected_transaction(reversal, "staff")
    assert response.json()["kind"] == "reversal"
    assert response.json()["reverses"] == payment.pk
    assert [entry["amount"] for entry in response.json()["entries"]] == ["30.00", "-30.00"]
    assert balance(account_of(funded_alice, "ACH")) == (10000, 0)
    assert balance(account_of(bob, "ACH")) == (0, 0)
    assert client.get(f"/api/transactions/{payment.pk}/").json()["reversed_by"] == reversal.pk

    before = ledger_state()
    again = client.post(f"/api/transactions/{payment.pk}/reverse/", {}, format="json")
    assert_error(again, 422, "already_reversed")
    assert ledger_state() == before


def test_reversal_without_a_body_uses_a_default_memo(payment, staff_user):
    response = api_client_for(staff_user).post(f"/api/transactions/{payment.pk}/reverse/")
    assert response.status_code == 201
    assert response.json()["memo"] == Transaction.objects.get(reverses=payment).memo
    assert response.json()["memo"] != ""


def test_a_reversal_that_would_break_a_limit_answers_422_and_posts_nothing(payment, bob, carol, staff_user):
    transfer_create(
        from_account=account_of(bob, "ACH"), to_account=account_of(carol, "ACH"), amount=Money("30", "ACH"), actor=None
    )
    before = ledger_state()
    response = api_client_for(staff_user).post(f"/api/transactions/{payment.pk}/reverse/", {}, format="json")
    assert_error(response, 422, "insufficient_funds")
    assert ledger_state() == before


@pytest.mark.parametrize("who", ["payer", "payee", "auditor"])
def test_only_staff_may_reverse(who, payment, funded_alice, bob, auditor):
    user = {"payer": funded_alice.user, "payee": bob.user, "auditor": auditor}[who]
    before = ledger_state()
    response = api_client_for(user).post(f"/api/transactions/{payment.pk}/reverse/", {}, format="json")
    assert_error(response, 403, "permission_denied")
    assert ledger_state() == before


def test_a_malformed_reversal_request_answers_400_and_posts_nothing(payment, staff_user):
    client = api_client_for(staff_user)
    before = ledger_state()
    url = f"/api/transactions/{payment.pk}/reverse/"
    assert_error(client.post(url, MALFORMED_JSON, content_type="application/json"), 400, "malformed")
    assert_error(client.post(url, DEEPLY_NESTED_JSON, content_type="application/json"), 400, "malformed")
    assert list(assert_error(client.post(url, {"memo": "m" * 256}, format="json"), 400, "invalid")["fields"]) == [
        "memo"
    ]
    assert ledger_state() == before
