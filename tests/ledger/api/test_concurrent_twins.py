"""Concurrent twins of one API request on PostgreSQL: each writes once and every twin gets its answer."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from core.models import IdempotencyRecord
from ledger.kinds import TRANSFER
from ledger.models import Hold, Transaction
from tests.conftest import account_of, api_client_for, requires_postgresql
from tests.ledger.api.support import (
    HOLDS,
    balance,
    hold_body,
    issue,
    ledger_state,
    post_transfer,
    transfer_body,
)


def twins(user_id: int, post: Callable[[APIClient], Any], count: int = 10) -> list[tuple[int, Any]]:
    """`count` clients of one user send the same request at once; each one's status and JSON answer."""
    barrier = threading.Barrier(count)

    def send(_: int) -> tuple[int, Any]:
        try:
            client = api_client_for(get_user_model().objects.get(pk=user_id))
            barrier.wait(timeout=30)
            response = post(client)
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(send, range(count)))


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_twins_of_a_transfer_then_of_a_hold_each_write_once_and_all_get_its_answer(make_member):
    alice, bob = make_member(username="alice"), make_member(username="bob")
    issue(account_of(alice, "ACH"), "100.00")
    body = transfer_body(account_of(alice, "ACH"), account_of(bob, "ACH"), "10.00")
    transactions_before = Transaction.objects.count()

    answers = twins(alice.user_id, lambda client: post_transfer(client, body, "concurrent-key"))

    # Each twin waited for the one that held the key, then replayed its answer: no 409.
    assert [status for status, _ in answers] == [201] * 10, answers
    assert all(answer == answers[0][1] for _, answer in answers)
    assert Transaction.objects.count() == transactions_before + 1
    assert answers[0][1]["id"] == Transaction.objects.get(kind=TRANSFER).pk
    assert balance(account_of(alice, "ACH")) == (9000, 0)
    assert balance(account_of(bob, "ACH")) == (1000, 0)
    retry = post_transfer(api_client_for(alice.user), body, "concurrent-key")
    assert retry.status_code == 201
    assert retry.json() == answers[0][1]
    assert Transaction.objects.count() == transactions_before + 1

    hold = hold_body(account_of(alice, "ACH"), account_of(bob, "ACH"), "25.00")
    answers = twins(
        alice.user_id, lambda client: client.post(HOLDS, hold, format="json", headers={"Idempotency-Key": "hold-once"})
    )

    assert [status for status, _ in answers] == [201] * 10, answers
    assert all(answer == answers[0][1] for _, answer in answers)
    assert list(Hold.objects.values_list("pk", flat=True)) == [answers[0][1]["id"]]
    assert balance(account_of(alice, "ACH")) == (9000, 2500)


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_twins_of_a_request_that_finds_nothing_all_answer_404_never_500(make_member):
    alice = make_member(username="alice")
    body = {"from_account": account_of(alice, "ACH").pk, "to_account": 99999, "amount": "1.00"}
    before = ledger_state()
    answers: list[tuple[int, Any]] = []
    for round_ in range(5):
        answers += twins(alice.user_id, lambda client, key=f"lost-{round_}": post_transfer(client, body, key))

    # Each twin waited for the one holding the key; that one kept nothing, so each ran in turn.
    assert {(status, answer["code"]) for status, answer in answers} == {(404, "not_found")}
    assert len(answers) == 50
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0
