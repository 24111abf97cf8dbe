"""Holds through the ledger API: reserving, capturing in full or in part, voiding, and who may do which."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.kinds import HOLD_CAPTURE
from ledger.models import Account, Entry, Hold, Transaction
from ledger.services import (
    account_status_set,
    system_account,
)
from tests.conftest import account_of, api_client_for
from tests.ledger.api.support import (
    DEEPLY_NESTED_JSON,
    HOLDS,
    MALFORMED_JSON,
    assert_error,
    balance,
    hold_body,
    ledger_state,
    with_parsed_dates,
)


def test_a_hold_reserves_the_amount_and_answers_201(funded_alice, bob):
    expires_at = timezone.now() + timedelta(days=2)
    response = api_client_for(funded_alice.user).post(
        HOLDS,
        hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), expires_at=expires_at.isoformat()),
        format="json",
    )
    assert response.status_code == 201
    hold = Hold.objects.get()
    assert with_parsed_dates(response.json(), "created_at", "expires_at") == {
        "id": hold.pk,
        "from_account": account_of(funded_alice, "ACH").pk,
        "to_account": account_of(bob, "ACH").pk,
        "unit": "ACH",
        "amount": "40.00",
        "captured_amount": "0.00",
        "status": "pending",
        "memo": "deposit",
        "memo_display": "deposit",
        "created_at": hold.created_at,
        "expires_at": expires_at,
        "resolved_at": None,
        "capture_transaction": None,
    }
    assert balance(account_of(funded_alice, "ACH")) == (10000, 4000)
    assert Transaction.objects.count() == 1  # only the issuance


def test_a_hold_with_an_idempotency_key_is_created_once(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    body = hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    first = client.post(HOLDS, body, format="json", headers={"Idempotency-Key": "h1"})
    second = client.post(HOLDS, body, format="json", headers={"Idempotency-Key": "h1"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert Hold.objects.count() == 1
    assert balance(account_of(funded_alice, "ACH")) == (10000, 4000)
    other = client.post(HOLDS, {**body, "amount": "1"}, format="json", headers={"Idempotency-Key": "h1"})
    assert_error(other, 422, "idempotency_key_reused")
    assert Hold.objects.count() == 1


def test_a_hold_beyond_the_available_balance_answers_422_and_reserves_nothing(funded_alice, bob):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        HOLDS, hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "100.01"), format="json"
    )
    assert_error(response, 422, "insufficient_funds")
    assert ledger_state() == before


def test_a_hold_towards_a_frozen_account_answers_422(funded_alice, bob):
    account_status_set(account=account_of(bob, "ACH"), status=Account.Status.FROZEN, actor=None)
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        HOLDS, hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")), format="json"
    )
    assert_error(response, 422, "account_frozen")
    assert ledger_state() == before


def test_a_hold_expiring_in_the_past_answers_400_and_reserves_nothing(funded_alice, bob):
    before = ledger_state()
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    response = api_client_for(funded_alice.user).post(
        HOLDS, hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), expires_at=past), format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["expires_at"]
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"amount": "abc"}, 400, "invalid"),
        ({"amount": "NaN"}, 400, "invalid"),
        ({"amount": "0"}, 422, "invalid_amount"),
        ({"amount": "-5"}, 400, "invalid"),
        ({"amount": "1.001"}, 422, "invalid_amount"),
        ({"expires_at": "tomorrow"}, 400, "invalid"),
        ({"from_account": "abc"}, 400, "invalid"),
        ({"to_account": 99999}, 404, "not_found"),
    ],
)
def test_a_bad_hold_request_is_refused_and_reserves_nothing(change, status, code, funded_alice, bob):
    before = ledger_state()
    body = {**hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")), **change}
    assert_error(api_client_for(funded_alice.user).post(HOLDS, body, format="json"), status, code)
    assert ledger_state() == before


@pytest.mark.parametrize("raw", [MALFORMED_JSON, DEEPLY_NESTED_JSON])
def test_a_malformed_hold_request_answers_400(raw, funded_alice):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(HOLDS, raw, content_type="application/json")
    assert_error(response, 400, "malformed")
    assert ledger_state() == before


def test_a_hold_from_another_members_account_or_to_a_system_account_answers_404(funded_alice, bob):
    escrow = system_account(Account.SystemCode.ESCROW, "ACH")
    before = ledger_state()
    client = api_client_for(bob.user)
    theirs = hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    assert_error(client.post(HOLDS, theirs, format="json"), 404, "not_found")
    system = hold_body(account_of(funded_alice, "ACH"), escrow)
    assert_error(api_client_for(funded_alice.user).post(HOLDS, system, format="json"), 404, "not_found")
    assert ledger_state() == before


def test_the_payer_captures_a_hold_in_full(hold, funded_alice, bob):
    response = api_client_for(funded_alice.user).post(f"/api/holds/{hold.pk}/capture/", {}, format="json")
    assert response.status_code == 200
    hold.refresh_from_db()
    assert response.json()["status"] == "captured"
    assert response.json()["captured_amount"] == "40.00"
    assert response.json()["capture_transaction"] == hold.capture_transaction_id
    assert [(entry.account_id, entry.amount) for entry in hold.capture_transaction.entries.order_by("id")] == [
        (account_of(funded_alice, "ACH").pk, -4000),
        (account_of(bob, "ACH").pk, 4000),
    ]
    assert balance(account_of(funded_alice, "ACH")) == (6000, 0)
    assert balance(account_of(bob, "ACH")) == (4000, 0)


def test_a_partial_capture_posts_that_amount_and_releases_the_rest(hold, funded_alice, bob):
    response = api_client_for(funded_alice.user).post(
        f"/api/holds/{hold.pk}/capture/", {"amount": "15.50"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["amount"], response.json()["captured_amount"]) == (
        "captured",
        "40.00",
        "15.50",
    )
    assert balance(account_of(funded_alice, "ACH")) == (8450, 0)
    assert balance(account_of(bob, "ACH")) == (1550, 0)
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1


def test_the_payee_voids_a_hold_and_nothing_is_posted(hold, funded_alice, bob):
    before = ledger_state()
    response = api_client_for(bob.user).post(f"/api/holds/{hold.pk}/void/")
    assert response.status_code == 200
    assert response.json()["status"] == "voided"
    assert response.json()["capture_transaction"] is None
    assert response.json()["resolved_at"] is not None
    assert Transaction.objects.count() == before["transactions"]
    assert Entry.objects.count() == before["entries"]
    assert balance(account_of(funded_alice, "ACH")) == (10000, 0)
    assert balance(account_of(bob, "ACH")) == (0, 0)


@pytest.mark.parametrize("action", ["capture", "void"])
def test_staff_may_capture_or_void_a_hold(action, hold, staff_user):
    response = api_client_for(staff_user).post(f"/api/holds/{hold.pk}/{action}/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == {"capture": "captured", "void": "voided"}[action]


def test_the_payee_may_not_capture_and_the_payer_may_not_void(hold, funded_alice, bob):
    before = ledger_state()
    assert_error(
        api_client_for(bob.user).post(f"/api/holds/{hold.pk}/capture/", {}, format="json"), 403, "permission_denied"
    )
    assert_error(api_client_for(funded_alice.user).post(f"/api/holds/{hold.pk}/void/"), 403, "permission_denied")
    assert ledger_state() == before


@pytest.mark.parametrize("action", ["capture", "void"])
def test_a_stranger_or_an_auditor_gets_404_or_403_on_a_hold(action, hold, carol, auditor):
    before = ledger_state()
    assert_error(
        api_client_for(carol.user).post(f"/api/holds/{hold.pk}/{action}/", {}, format="json"), 404, "not_found"
    )
    assert_error(api_client_for(carol.user).get(f"/api/holds/{hold.pk}/"), 404, "not_found")
    # An auditor sees the hold but is neither party.
    assert api_client_for(auditor).get(f"/api/holds/{hold.pk}/").status_code == 200
    response = api_client_for(auditor).post(f"/api/holds/{hold.pk}/{action}/", {}, format="json")
    assert_error(response, 403, "permission_denied")
    assert ledger_state() == before


@pytest.mark.parametrize("first", ["capture", "void"])
@pytest.mark.parametrize("second", ["capture", "void"])
def test_a_resolved_hold_answers_422_hold_resolved(first, second, hold, staff_user):
    client = api_client_for(staff_user)
    assert client.post(f"/api/holds/{hold.pk}/{first}/", {}, format="json").status_code == 200
    before = ledger_state()
    assert_error(client.post(f"/api/holds/{hold.pk}/{second}/", {}, format="json"), 422, "hold_resolved")
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        ("40.01", 422, "invalid_amount"),
        ("0", 422, "invalid_amount"),
        ("-1", 400, "invalid"),
        ("1.001", 422, "invalid_amount"),
        ("1e309", 400, "invalid"),
        ("1e999999", 400, "invalid"),
        ("abc", 400, "invalid"),
        ("NaN", 400, "invalid"),
    ],
)
def test_a_bad_capture_amount_is_refused_and_the_hold_stays_pending(amount, status, code, hold, funded_alice):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        f"/api/holds/{hold.pk}/capture/", {"amount": amount}, format="json"
    )
    assert_error(response, status, code)
    assert ledger_state() == before


@pytest.mark.parametrize("raw", [MALFORMED_JSON, DEEPLY_NESTED_JSON])
def test_a_capture_with_malformed_json_answers_400(raw, hold, funded_alice):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        f"/api/holds/{hold.pk}/capture/", raw, content_type="application/json"
    )
    assert_error(response, 400, "malformed")
    assert ledger_state() == before


def test_a_capture_towards_a_frozen_payee_answers_422_and_the_hold_stays_pending(hold, funded_alice, bob):
    account_status_set(account=account_of(bob, "ACH"), status=Account.Status.FROZEN, actor=None)
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(f"/api/holds/{hold.pk}/capture/", {}, format="json")
    assert_error(response, 422, "account_frozen")
    assert ledger_state() == before


@pytest.mark.parametrize("raw_id", ["abc", "0", "-1", "99999", str(2**63)])
def test_hold_ids_that_name_nothing_answer_404(raw_id, hold, staff_user):
    client = api_client_for(staff_user)
    before = ledger_state()
    assert_error(client.get(f"/api/holds/{raw_id}/"), 404, "not_found")
    assert_error(client.post(f"/api/holds/{raw_id}/capture/", {}, format="json"), 404, "not_found")
    assert_error(client.post(f"/api/holds/{raw_id}/void/"), 404, "not_found")
    assert ledger_state() == before


def test_holds_are_listed_to_their_parties_only(hold, funded_alice, bob, carol):
    for user, expected in [(funded_alice.user, [hold.pk]), (bob.user, [hold.pk]), (carol.user, [])]:
        response = api_client_for(user).get(HOLDS)
        assert response.status_code == 200
        assert [item["id"] for item in response.json()["results"]] == expected
