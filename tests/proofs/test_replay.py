"""Replay the journal of a randomized concurrent run into the pure-Python model: every figure agrees.

The journal is read in id order (accounts, holds, transactions with their entries); the model
re-applies it, checking each entry's balance_after, the limits and that each hold resolves once,
and must end with exactly the balance and held amount the database holds for every account.
"""

from __future__ import annotations

import pytest

from ledger.models import Account, Entry, Hold, Transaction
from tests.conftest import requires_postgresql
from tests.proofs.model import Ledger, ModelViolation
from tests.proofs.test_bank import build_town, run_bank


def replay_journal() -> Ledger:
    """Build the model from the database's journal alone, in id order."""
    ledger = Ledger()
    for pk, unit, low, high in Account.objects.order_by("id").values_list("id", "unit", "min_balance", "max_balance"):
        ledger.open(pk, unit, low, high)
    holds = list(Hold.objects.order_by("id").values_list("id", "debit_account_id", "credit_account_id", "amount"))
    for pk, debit, credit, amount in holds:
        ledger.hold_create(pk, debit, credit, amount)
    captured_by = dict(Hold.objects.filter(status=Hold.Status.CAPTURED).values_list("capture_transaction_id", "id"))
    captured_amount = dict(Hold.objects.values_list("id", "captured_amount"))
    entries: dict[int, list[tuple[int, str, int, int | None]]] = {}
    for txn, account, unit, amount, after in Entry.objects.order_by("id").values_list(
        "transaction_id", "account_id", "unit", "amount", "balance_after"
    ):
        entries.setdefault(txn, []).append((account, unit, amount, after))
    for pk, reverses in Transaction.objects.order_by("id").values_list("id", "reverses_id"):
        ledger.post(pk, entries.get(pk, []), reverses=reverses)
        if pk in captured_by:
            ledger.hold_resolve(captured_by[pk], "captured", captured_amount[captured_by[pk]])
    for pk, status in Hold.objects.exclude(status__in=[Hold.Status.PENDING, Hold.Status.CAPTURED]).values_list(
        "id", "status"
    ):
        ledger.hold_resolve(pk, status)
    return ledger


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_the_journal_of_a_concurrent_run_replays_into_the_model_to_the_exact_balances(make_member, django_user_model):
    town = build_town(make_member, django_user_model)
    run = run_bank(town, workers=8, operations=100, seed=7_2026)
    print(f"replay: {sum(run.counts.values())} operations by 8 workers, {Transaction.objects.count()} transactions")

    ledger = replay_journal()

    database = {pk: (balance, held) for pk, balance, held in Account.objects.values_list("id", "balance", "held")}
    assert ledger.state() == database
    assert set(ledger.totals().values()) == {0}
    assert ledger.transactions == Transaction.objects.count()
    assert {pk: h.status for pk, h in ledger.holds.items()} == dict(Hold.objects.values_list("id", "status"))


def test_the_model_refuses_a_journal_whose_balance_after_was_tampered_with():
    ledger = Ledger()
    ledger.open(1, "HRS", -2000, 10000)
    ledger.open(2, "HRS", -2000, 10000)
    ledger.post(1, [(1, "HRS", -500, -500), (2, "HRS", 500, 500)])

    with pytest.raises(ModelViolation, match="the journal says -800"):
        ledger.post(2, [(1, "HRS", -400, -800), (2, "HRS", 400, 900)])


def test_the_model_refuses_a_hold_resolved_twice_and_an_overdraft():
    ledger = Ledger()
    ledger.open(1, "ACH", 0, None)
    ledger.open(2, "ACH", 0, None)
    ledger.hold_create(10, 1, 2, 300)
    ledger.hold_resolve(10, "voided")

    with pytest.raises(ModelViolation, match="resolved twice"):
        ledger.hold_resolve(10, "captured", 300)
    with pytest.raises(ModelViolation, match="below its lower limit"):
        ledger.post(3, [(1, "ACH", -1, None), (2, "ACH", 1, None)])
    assert ledger.state() == {1: (0, 0), 2: (0, 0)}  # nothing applied
