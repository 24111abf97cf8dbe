"""Tampering as a database superuser, triggers off: `verify_ledger` catches each change and names it.

The attacks bypass every trigger (`session_replication_role = replica`), as someone with the
database's superuser password could; only the seals and the recomputation stand in the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from djmoney.money import Money

from ledger import services
from ledger.models import Account, Entry, Seal, Transaction
from ledger.sealing import seal_pending
from ledger.verification import verify_ledger
from tests.conftest import requires_postgresql
from tests.ledger.sealing_helpers import later, small_ledger

pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]


@dataclass
class Sealed:
    alice: Account
    bruno: Account
    transactions: list[Transaction]  # the first three in seal 1, the fourth in seal 2
    seals: list[Seal]

    @property
    def seal_range(self) -> str:
        first, third = self.transactions[0].pk, self.transactions[2].pk
        return f"the seal covers transactions {first}–{third}"


@pytest.fixture
def sealed(make_member) -> Sealed:
    ledger = small_ledger(make_member)
    first = seal_pending(now=later())
    fourth = services.transfer_create(
        from_account=ledger.bruno, to_account=ledger.alice, amount=Money("1", "HRS"), actor=None
    )
    second = seal_pending(now=later())
    assert verify_ledger().ok
    return Sealed(ledger.alice, ledger.bruno, [*ledger.transactions, fourth], [first, second])


def as_superuser(*statements: tuple[str, Sequence[Any]]) -> None:
    """Run raw SQL with every trigger off (for this transaction only)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)


def first_discrepancy() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_ledger", "--quiet", stdout=StringIO(), stderr=StringIO())
    message = str(failure.value)
    assert message.startswith("ledger verification failed: ")
    return message.removeprefix("ledger verification failed: ")


def entries_of(txn: Transaction) -> list[Entry]:
    return list(Entry.objects.filter(transaction=txn).order_by("id"))


def test_a_changed_entry_amount_is_named_by_its_seal_and_transaction(sealed):
    payment = sealed.transactions[0]
    debit = entries_of(payment)[0]
    as_superuser(("UPDATE ledger_entry SET amount = amount + 50 WHERE id = %s", [debit.pk]))

    assert first_discrepancy() == (
        f"seal 1: hash differs: transaction {payment.pk} or its entries changed ({sealed.seal_range})"
    )
    messages = [str(d) for d in verify_ledger().discrepancies]
    assert f"transaction {payment.pk} is unbalanced: its HRS entries sum to 50" in messages
    assert f"account {sealed.alice.pk}: balance -350 ≠ sum of entries -300" in messages


def test_a_deleted_entry_is_named_with_the_counts_that_no_longer_match(sealed):
    payment = sealed.transactions[1]
    credit = entries_of(payment)[1]
    as_superuser(
        ("DELETE FROM ledger_entry WHERE id = %s", [credit.pk]),
        ("UPDATE ledger_account SET balance = balance - 150 WHERE id = %s", [sealed.bruno.pk]),
    )

    assert first_discrepancy() == (
        f"seal 1: hash differs: transaction {payment.pk} or its entries changed ({sealed.seal_range}; "
        "3 transactions and 7 entries where 3 and 8 were sealed)"
    )


def test_a_forged_entry_in_a_sealed_transaction_is_caught_even_with_its_balance_updated(sealed):
    conversion = sealed.transactions[2]
    last_balance = Entry.objects.filter(account=sealed.bruno).order_by("-id").first().balance_after
    as_superuser(
        (
            "INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)"
            " VALUES (%s, %s, 'HRS', 1000, %s)",
            [conversion.pk, sealed.bruno.pk, last_balance + 1000],
        ),
        ("UPDATE ledger_account SET balance = balance + 1000 WHERE id = %s", [sealed.bruno.pk]),
    )

    assert first_discrepancy() == (
        f"seal 1: hash differs: transaction {conversion.pk} or its entries changed ({sealed.seal_range}; "
        "3 transactions and 9 entries where 3 and 8 were sealed)"
    )


def test_a_backdated_forged_transaction_after_the_last_seal_is_named(sealed):
    old = sealed.transactions[0].created_at - timedelta(days=1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO ledger_transaction (kind, memo, created_at, request_hash) VALUES ('posting', 'forged', %s, '')"
            " RETURNING id",
            [old],
        )
        forged = cursor.fetchone()[0]
        for account, amount in ((sealed.alice, -100), (sealed.bruno, 100)):
            last = Entry.objects.filter(account=account).order_by("-id").first().balance_after
            cursor.execute(
                "INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)"
                " VALUES (%s, %s, 'HRS', %s, %s)",
                [forged, account.pk, amount, last + amount],
            )
            cursor.execute("UPDATE ledger_account SET balance = balance + %s WHERE id = %s", [amount, account.pk])

    assert first_discrepancy().startswith(
        f"transaction {forged} is unsealed but older than seal 2's range (created {old.isoformat()}"
    )


def test_an_edited_seal_hash_is_named(sealed):
    first = sealed.seals[0]
    as_superuser(("UPDATE ledger_seal SET hash = %s WHERE id = %s", ["f" * 64, first.pk]))

    assert first_discrepancy() == (
        f"seal 1: its hash was altered (stored {'f' * 64}; its transactions and seal 2's link both give {first.hash})"
    )


def test_an_edited_last_seal_hash_is_named(sealed):
    as_superuser(("UPDATE ledger_seal SET hash = %s WHERE sequence = 2", ["0" * 63 + "1"]))

    fourth = sealed.transactions[3].pk
    assert first_discrepancy() == (
        f"seal 2: hash differs: a transaction of its range or its entries changed "
        f"(the seal covers transactions {fourth}–{fourth})"
    )


def test_a_deleted_seal_breaks_the_chain(sealed):
    as_superuser(("DELETE FROM ledger_seal WHERE sequence = 1", []))

    assert first_discrepancy() == (
        f"transaction {sealed.transactions[0].pk} is unsealed but older than seal 2's range "
        f"(transactions {sealed.transactions[3].pk}–{sealed.transactions[3].pk})"
    )
    messages = [str(d) for d in verify_ledger().discrepancies]
    assert "seal 2: the chain jumps from seal 0 (a seal is missing)" in messages


def test_a_changed_account_balance_is_named(sealed):
    as_superuser(("UPDATE ledger_account SET balance = balance + 50 WHERE id = %s", [sealed.alice.pk]))

    assert first_discrepancy() == f"account {sealed.alice.pk}: balance -300 ≠ sum of entries -350"


def test_a_changed_held_amount_is_named(sealed):
    as_superuser(("UPDATE ledger_account SET held = 0 WHERE id = %s", [sealed.alice.pk]))

    assert first_discrepancy() == f"account {sealed.alice.pk}: held 0 ≠ sum of pending holds 200"


def test_a_changed_memo_is_caught_by_the_digest_its_seal_covers(sealed):
    payment = sealed.transactions[0]
    as_superuser(("UPDATE ledger_transaction SET memo = 'rien' WHERE id = %s", [payment.pk]))

    report = verify_ledger()

    assert [str(d) for d in report.discrepancies] == [
        f"transaction {payment.pk}: its memo or memo parameters were changed "
        "(they no longer match the memo digest that is sealed)"
    ]


def test_a_changed_memo_digest_is_caught_by_the_seal(sealed):
    payment = sealed.transactions[0]
    as_superuser(("UPDATE ledger_transaction SET memo_digest = repeat('0', 64) WHERE id = %s", [payment.pk]))

    report = verify_ledger()

    assert [str(d) for d in report.discrepancies] == [
        f"transaction {payment.pk}: its memo or memo parameters were changed "
        "(they no longer match the memo digest that is sealed)",
        f"seal 1: hash differs: transaction {payment.pk} or its entries changed ({sealed.seal_range})",
    ]


def test_broken_backing_is_named(sealed):
    fund = services.system_account(Account.SystemCode.GUARANTEE_FUND, "EUR")
    as_superuser(
        ("UPDATE ledger_account SET balance = balance + 500 WHERE id = %s", [fund.pk]),
        (
            "UPDATE ledger_account SET balance = balance - 500 WHERE id = %s",
            [services.system_account(Account.SystemCode.WORLD, "EUR").pk],
        ),
    )
    messages = [str(d) for d in verify_ledger().discrepancies]

    assert messages[-1] == (
        "backing broken: the guarantee fund holds 2500 (EUR minor units) but 2000 (ACH minor units) is in circulation"
    )
