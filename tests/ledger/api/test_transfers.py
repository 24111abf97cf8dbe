"""Transfers through the ledger API: what one posts, each rule that refuses one, who may pay from which account."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from core.models import IdempotencyRecord
from ledger.kinds import TRANSFER
from ledger.models import Account, Transaction
from ledger.services import (
    account_limits_set,
    account_status_set,
    hold_create,
    system_account,
)
from tests.conftest import account_of, api_client_for
from tests.ledger.api.support import (
    TRANSFERS,
    assert_error,
    balance,
    expected_transaction,
    ledger_state,
    post_transfer,
    transfer_body,
    with_parsed_dates,
)


def test_a_transfer_posts_both_entries_and_answers_201_with_the_transaction(funded_alice, bob):
    alice_ach, bob_ach = account_of(funded_alice, "ACH"), account_of(bob, "ACH")
    response = post_transfer(api_client_for(funded_alice.user), transfer_body(alice_ach, bob_ach, "12.50"))
    assert response.status_code == 201
    txn = Transaction.objects.get(kind=TRANSFER)
    assert with_parsed_dates(response.json(), "created_at") == expected_transaction(txn, "alice")
    assert [(entry["account"], entry["amount"], entry["balance_after"]) for entry in response.json()["entries"]] == [
        (alice_ach.pk, "-12.50", "87.50"),
        (bob_ach.pk, "12.50", "12.50"),
    ]
    assert txn.memo == "bread"
    assert txn.idempotency_key == f"api:{funded_alice.user.pk}:key-1"
    assert balance(alice_ach) == (8750, 0)
    assert balance(bob_ach) == (1250, 0)


def test_memo_is_optional(funded_alice, bob):
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    del body["memo"]
    response = post_transfer(api_client_for(funded_alice.user), body)
    assert response.status_code == 201
    assert response.json()["memo"] == ""


def test_a_transfer_reads_its_accounts_once_and_answers_without_reading_back_what_it_wrote(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "7.00")

    with CaptureQueriesContext(connection) as queries:
        response = post_transfer(client, body, "pay-bob")

    assert response.status_code == 201
    txn = Transaction.objects.get(pk=response.json()["id"])
    assert with_parsed_dates(response.json(), "created_at") == expected_transaction(txn, "alice")
    assert response.json()["reversed_by"] is None
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if 'FROM "ledger_entry"' in q]
    assert not [q for q in sql if '"reverses_id" =' in q]
    # One read of the payer and the payee, then the lock that posts (before: one read each).
    assert len([q for q in sql if q.lstrip().startswith("SELECT") and "ledger_account" in q]) == 2, sql


def test_a_transfer_beyond_the_available_balance_answers_422_and_posts_nothing(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    before = ledger_state()
    response = post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "100.01"))
    assert_error(response, 422, "insufficient_funds")
    assert ledger_state() == before


def test_a_hold_counts_against_the_available_balance(funded_alice, bob):
    hold_create(
        from_account=account_of(funded_alice, "ACH"),
        to_account=account_of(bob, "ACH"),
        amount=Money("95", "ACH"),
        actor=None,
    )
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user),
        transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "5.01"),
    )
    assert_error(response, 422, "insufficient_funds")
    assert ledger_state() == before


def test_a_time_bank_transfer_beyond_the_lower_limit_answers_422(alice, bob):
    client = api_client_for(alice.user)
    before = ledger_state()
    response = post_transfer(client, transfer_body(account_of(alice, "HRS"), account_of(bob, "HRS"), "20.01"))
    assert_error(response, 422, "insufficient_funds")
    assert ledger_state() == before
    assert (
        post_transfer(client, transfer_body(account_of(alice, "HRS"), account_of(bob, "HRS"), "20"), "k2").status_code
        == 201
    )
    assert balance(account_of(alice, "HRS")) == (-2000, 0)


def test_a_transfer_beyond_the_payees_upper_limit_answers_422_limit_exceeded(alice, bob):
    account_limits_set(account=account_of(bob, "HRS"), min_balance=-2000, max_balance=1000, actor=None)
    before = ledger_state()
    response = post_transfer(
        api_client_for(alice.user), transfer_body(account_of(alice, "HRS"), account_of(bob, "HRS"), "10.01")
    )
    assert_error(response, 422, "limit_exceeded")
    assert ledger_state() == before


def test_a_transfer_between_units_answers_422_unit_mismatch(funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "HRS"))
    )
    assert_error(response, 422, "unit_mismatch")
    assert ledger_state() == before


def test_a_transfer_from_a_frozen_account_answers_422_account_frozen(funded_alice, bob):
    account_status_set(account=account_of(funded_alice, "ACH"), status=Account.Status.FROZEN, actor=None)
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    )
    assert_error(response, 422, "account_frozen")
    assert ledger_state() == before


def test_a_transfer_to_a_frozen_account_answers_422_account_frozen(funded_alice, bob):
    account_status_set(account=account_of(bob, "ACH"), status=Account.Status.FROZEN, actor=None)
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    )
    assert_error(response, 422, "account_frozen")
    assert ledger_state() == before


def test_a_transfer_to_a_closed_account_answers_422_account_closed(funded_alice, bob):
    account_status_set(account=account_of(bob, "ACH"), status=Account.Status.CLOSED, actor=None)
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    )
    assert_error(response, 422, "account_closed")
    assert ledger_state() == before


def test_a_transfer_to_the_same_account_answers_422_same_account(funded_alice):
    account = account_of(funded_alice, "ACH")
    before = ledger_state()
    response = post_transfer(api_client_for(funded_alice.user), transfer_body(account, account))
    assert_error(response, 422, "same_account")
    assert ledger_state() == before


@pytest.mark.parametrize("to_account", [99999, 2**63, 10**30])
def test_an_unknown_payee_answers_404_and_posts_nothing(to_account, funded_alice):
    before = ledger_state()
    body = {"from_account": account_of(funded_alice, "ACH").pk, "to_account": to_account, "amount": "1.00"}
    assert_error(post_transfer(api_client_for(funded_alice.user), body), 404, "not_found")
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize("from_account", [99999, 2**63, 10**30])
def test_an_unknown_payer_answers_404_and_posts_nothing(from_account, funded_alice, bob):
    before = ledger_state()
    body = {"from_account": from_account, "to_account": account_of(bob, "ACH").pk, "amount": "1.00"}
    assert_error(post_transfer(api_client_for(funded_alice.user), body), 404, "not_found")
    assert ledger_state() == before


def test_paying_from_another_members_account_answers_404_and_posts_nothing(funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(bob.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    )
    assert_error(response, 404, "not_found")
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


def test_paying_into_a_system_account_answers_404_and_posts_nothing(funded_alice):
    issuance = system_account(Account.SystemCode.ISSUANCE, "ACH")
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), issuance)
    )
    assert_error(response, 404, "not_found")
    assert ledger_state() == before


def test_paying_from_a_system_account_answers_404_even_to_staff(funded_alice, staff_user):
    issuance = system_account(Account.SystemCode.ISSUANCE, "ACH")
    before = ledger_state()
    response = post_transfer(api_client_for(staff_user), transfer_body(issuance, account_of(funded_alice, "ACH")))
    assert_error(response, 404, "not_found")
    assert ledger_state() == before


def test_staff_may_pay_from_any_member_account(funded_alice, bob, staff_user):
    response = post_transfer(
        api_client_for(staff_user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    )
    assert response.status_code == 201
    assert response.json()["actor"] == "staff"
    assert balance(account_of(bob, "ACH")) == (1000, 0)


def test_an_auditor_sees_every_account_but_may_not_pay_from_them(funded_alice, bob, auditor):
    client = api_client_for(auditor)
    assert client.get(f"/api/accounts/{account_of(funded_alice, 'ACH').pk}/").json()["balance"] == "100.00"
    before = ledger_state()
    response = post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")))
    assert_error(response, 404, "not_found")
    assert ledger_state() == before


def test_get_on_transfers_answers_405(funded_alice):
    assert_error(api_client_for(funded_alice.user).get(TRANSFERS), 405, "method_not_allowed")
