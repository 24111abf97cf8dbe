"""The Idempotency-Key of transfers: required, replayed byte for byte, refused with another body, never half-stored."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from core.models import IdempotencyRecord
from ledger.errors import InsufficientFunds
from ledger.kinds import TRANSFER
from ledger.models import Transaction
from ledger.services import transfer_create
from tests.conftest import account_of, api_client_for
from tests.ledger.api.support import (
    assert_error,
    balance,
    issue,
    ledger_state,
    post_transfer,
    transfer_body,
)


@pytest.mark.parametrize("key", [None, "", "   "])
def test_a_transfer_without_idempotency_key_answers_400_and_posts_nothing(key, funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")), key
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["Idempotency-Key"]
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize("key", ["k" * 201, "tab\tinside"])
def test_an_unusable_idempotency_key_answers_400_and_posts_nothing(key, funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")), key
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["Idempotency-Key"]
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


def test_a_replay_returns_the_byte_identical_answer_and_posts_nothing(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "7.00")
    first = post_transfer(client, body, "pay-bob-once")
    assert first.status_code == 201
    after_first = ledger_state()

    second = post_transfer(client, body, "pay-bob-once")
    assert second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert ledger_state() == after_first
    assert balance(account_of(bob, "ACH")) == (700, 0)
    assert Transaction.objects.filter(kind=TRANSFER).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_transfer_whose_answer_fails_leaves_neither_posting_nor_answer_and_its_retry_posts_once(
    funded_alice, bob, monkeypatch
):
    # The posting and its stored answer commit together: when building the answer fails, the
    # posting goes too, the key is free again, and the retry posts exactly once.
    client = api_client_for(funded_alice.user)
    client.raise_request_exception = False
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "7.00")
    before = ledger_state()

    def broken(self, instance):
        raise RuntimeError("the answer could not be built")

    with monkeypatch.context() as patch:
        patch.setattr("ledger.api.serializers.TransactionSerializer.to_representation", broken)
        assert post_transfer(client, body, "pay-once").status_code == 500

    assert ledger_state() == before
    assert not IdempotencyRecord.objects.filter(key="pay-once").exists()
    retry = post_transfer(client, body, "pay-once")
    assert retry.status_code == 201
    assert balance(account_of(bob, "ACH")) == (700, 0)
    record = IdempotencyRecord.objects.get(key="pay-once")
    assert (record.state, record.response_status) == (IdempotencyRecord.State.DONE, 201)
    assert json.loads(record.response_body)["id"] == retry.json()["id"]


def test_the_same_key_with_another_body_answers_422_and_posts_nothing(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "7.00"), "k")
    before = ledger_state()
    response = post_transfer(
        client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "8.00"), "k"
    )
    assert_error(response, 422, "idempotency_key_reused")
    assert ledger_state() == before


def test_the_same_key_from_another_member_is_another_operation(funded_alice, bob, carol):
    issue(account_of(bob, "ACH"), "5.00")
    first = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(carol, "ACH")), "k"
    )
    second = post_transfer(
        api_client_for(bob.user), transfer_body(account_of(bob, "ACH"), account_of(carol, "ACH"), "5.00"), "k"
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert balance(account_of(carol, "ACH")) == (1500, 0)


def test_a_refusal_is_replayed_for_the_same_key_even_once_funds_arrive(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "150.00")
    first = post_transfer(client, body, "big")
    assert_error(first, 422, "insufficient_funds")
    issue(account_of(funded_alice, "ACH"), "100.00")
    before = ledger_state()
    second = post_transfer(client, body, "big")
    assert second.status_code == 422
    assert second.content == first.content
    assert ledger_state() == before


def test_a_not_found_answer_is_not_stored_so_the_key_can_be_used_again(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    wrong = {"from_account": account_of(funded_alice, "ACH").pk, "to_account": 99999, "amount": "1.00"}
    assert_error(post_transfer(client, wrong, "retry-me"), 404, "not_found")
    right = post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")), "retry-me")
    assert right.status_code == 201
    assert balance(account_of(bob, "ACH")) == (1000, 0)


def test_the_posting_runs_in_the_request_transaction_without_a_savepoint_of_its_own(funded_alice, bob):
    """The claim of the key serializes twins, so the posting needs no savepoint (2 round trips fewer)."""
    client = api_client_for(funded_alice.user)
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "10.00")
    with CaptureQueriesContext(connection) as captured:
        assert post_transfer(client, body, "no-savepoint").status_code == 201
    savepoints = [q["sql"].split()[0] for q in captured.captured_queries if "SAVEPOINT" in q["sql"]]
    # One pair: the request's transaction, nested in the test's own (outside a test it is a BEGIN).
    assert savepoints == ["SAVEPOINT", "RELEASE"]
    assert balance(account_of(bob, "ACH")) == (1000, 0)


def test_a_refusal_with_a_claimed_key_leaves_the_callers_transaction_usable(funded_alice, bob):
    payer, payee = account_of(funded_alice, "ACH"), account_of(bob, "ACH")
    before = ledger_state()
    with transaction.atomic():
        with pytest.raises(InsufficientFunds):
            transfer_create(
                from_account=payer,
                to_account=payee,
                amount=Money("150.00", "ACH"),
                actor=funded_alice.user,
                idempotency_key="api:claimed",
                key_claimed=True,
            )
        assert not transaction.get_connection().needs_rollback
        assert Transaction.objects.filter(idempotency_key="api:claimed").count() == 0
    assert ledger_state() == before
