"""Verification of the whole ledger from its rows: seals, invariants 1–7, every account.

A transaction whose memo still has its salt is also checked against its memo digest (the seal
covers the digest, not the memo: ledger.sealing), sealed or not yet; an erased memo (no salt)
can no longer be checked, and its digest is what the seal covers.

`verify_ledger()` walks the transactions once, in id order, joined to their entries (a
server-side cursor on PostgreSQL: bounded memory whatever the size), recomputing each seal's
hash as it goes; the per-account and per-transaction checks are aggregates run by the database.
It reads one consistent snapshot (REPEATABLE READ on PostgreSQL), so postings may continue
meanwhile. Discrepancies are listed in the order checked; the first is the headline.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum

from .models import Account, Hold, Seal, Transaction
from .sealing import (
    CHUNK_SIZE,
    GENESIS_HASH,
    STREAM_FIELDS,
    StreamedTransaction,
    configured_lag_seconds,
    stream_transactions,
    transaction_rows,
)
from .units import UnitKind, all_units

FIAT_UNIT = "EUR"  # the unit of the guarantee fund (currency migration 0002)
MAX_DISCREPANCIES = 50  # beyond the first few, more detail helps no one
PER_CHECK = 10

ProgressCallback = Callable[[int], None]


@dataclass
class Discrepancy:
    message: str
    transaction_id: int | None = None
    # A seal whose hash differs: the message is completed once the other checks have named a culprit.
    seal: Seal | None = None
    seal_detail: str = ""

    def __str__(self) -> str:
        return self.message


@dataclass
class VerificationReport:
    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    pending_holds: int = 0
    seals: int = 0
    latest_seal: Seal | None = None
    sealed_transactions: int = 0
    unsealed_recent: int = 0
    seconds: float = 0.0
    discrepancies: list[Discrepancy] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    @property
    def first(self) -> Discrepancy | None:
        return self.discrepancies[0] if self.discrepancies else None

    @property
    def rate(self) -> float:
        return self.transactions / self.seconds if self.seconds > 0 else 0.0

    def add(self, message: str, *, transaction_id: int | None = None) -> None:
        if len(self.discrepancies) < MAX_DISCREPANCIES:
            self.discrepancies.append(Discrepancy(message, transaction_id=transaction_id))

    def summary_lines(self) -> list[str]:
        lines = [
            f"Transactions: {self.transactions} ({self.sealed_transactions} sealed, "
            f"{self.unsealed_recent} recent not yet sealed)",
            f"Entries: {self.entries}",
            f"Accounts: {self.accounts} (pending holds: {self.pending_holds})",
        ]
        if self.latest_seal is not None:
            seal = self.latest_seal
            lines.append(
                f"Seals: {self.seals}; latest: seal {seal.sequence}, up to transaction {seal.last_transaction_id}, "
                f"sealed {seal.sealed_at.isoformat()}, hash {seal.hash}"
            )
        else:
            lines.append("Seals: 0")
        lines.append(f"Time: {self.seconds:.2f} s ({self.rate:,.0f} transactions/s)")
        lines.append("OK: the ledger verifies." if self.ok else f"FAILED: {len(self.discrepancies)} discrepancies.")
        return lines


class _SealWalk:
    """Follows the seals, in sequence order, alongside the stream of transactions."""

    def __init__(self, report: VerificationReport, lag: timedelta) -> None:
        self.report = report
        self.lag = lag
        self.seals: Iterator[Seal] = Seal.objects.order_by("sequence").iterator(chunk_size=1000)
        self.previous: Seal | None = None
        self.previous_recomputed = ""
        self.previous_mismatch: Discrepancy | None = None
        self.last_sealed_created_at: datetime | None = None
        self.current = self._next()

    def _next(self) -> Seal | None:
        seal = next(self.seals, None)
        if seal is not None:
            self.digest = hashlib.sha256(seal.previous_hash.encode("ascii"))
            self.transactions = self.entries = 0
        return seal

    def feed(self, streamed: StreamedTransaction) -> None:
        while self.current is not None and streamed.id > self.current.last_transaction_id:
            self._finish()
        seal = self.current
        if seal is None:
            self._unsealed(streamed)
        elif streamed.id < seal.first_transaction_id:
            self.report.add(
                f"transaction {streamed.id} is unsealed but older than seal {seal.sequence}'s range "
                f"(transactions {seal.first_transaction_id}–{seal.last_transaction_id})",
                transaction_id=streamed.id,
            )
        else:
            self.digest.update(streamed.canonical)
            self.transactions += 1
            self.entries += streamed.entry_count
            self.report.sealed_transactions += 1
            self.last_sealed_created_at = streamed.created_at

    def _unsealed(self, streamed: StreamedTransaction) -> None:
        last = self.previous
        if (
            last is not None
            and self.last_sealed_created_at is not None
            and streamed.created_at < self.last_sealed_created_at - self.lag
        ):
            self.report.add(
                f"transaction {streamed.id} is unsealed but older than seal {last.sequence}'s range "
                f"(created {streamed.created_at.isoformat()}, before transaction {last.last_transaction_id}, "
                "which is sealed)",
                transaction_id=streamed.id,
            )
        else:
            self.report.unsealed_recent += 1

    def finish(self) -> None:
        while self.current is not None:
            self._finish()

    def _finish(self) -> None:
        seal = self.current
        assert seal is not None
        report, previous = self.report, self.previous
        expected_sequence = previous.sequence + 1 if previous else 1
        if seal.sequence != expected_sequence:
            report.add(f"seal {seal.sequence}: the chain jumps from seal {expected_sequence - 1} (a seal is missing)")
        expected_previous = previous.hash if previous else GENESIS_HASH
        if seal.previous_hash != expected_previous:
            if (
                previous is not None
                and self.previous_mismatch is not None
                and (seal.previous_hash == self.previous_recomputed)
            ):
                # The rows of the previous seal and this seal's link agree: the stored hash was edited.
                mismatch = self.previous_mismatch
                mismatch.seal = None
                mismatch.message = (
                    f"seal {previous.sequence}: its hash was altered (stored {previous.hash}; its transactions "
                    f"and seal {seal.sequence}'s link both give {self.previous_recomputed})"
                )
            else:
                report.add(f"seal {seal.sequence}: previous_hash does not match the hash of the seal before it")
        if previous is not None and seal.first_transaction_id <= previous.last_transaction_id:
            report.add(
                f"seal {seal.sequence}: its range starts at transaction {seal.first_transaction_id}, "
                f"inside seal {previous.sequence}'s range (up to {previous.last_transaction_id})"
            )
        recomputed = self.digest.hexdigest()
        counts = (self.transactions, self.entries) != (seal.transaction_count, seal.entry_count)
        detail = (
            f"{self.transactions} transactions and {self.entries} entries where "
            f"{seal.transaction_count} and {seal.entry_count} were sealed"
            if counts
            else ""
        )
        self.previous_mismatch = None
        if recomputed != seal.hash:
            if len(report.discrepancies) < MAX_DISCREPANCIES:
                mismatch = Discrepancy("", seal=seal, seal_detail=detail)
                report.discrepancies.append(mismatch)
                self.previous_mismatch = None if counts else mismatch
        elif counts:
            report.add(f"seal {seal.sequence}: its counts were altered ({detail})")
        report.seals += 1
        report.latest_seal = seal
        self.previous, self.previous_recomputed = seal, recomputed
        self.current = self._next()


def _rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _check_entries(report: VerificationReport) -> None:
    for entry_id, transaction_id in _rows(
        "SELECT e.id, e.transaction_id FROM ledger_entry e LEFT JOIN ledger_transaction t ON t.id = e.transaction_id"
        " WHERE t.id IS NULL ORDER BY e.id LIMIT %s",
        [PER_CHECK],
    ):
        report.add(f"entry {entry_id}: its transaction {transaction_id} does not exist")
    # 1. Per transaction and unit, entries sum to zero.
    for transaction_id, unit, total in _rows(
        "SELECT transaction_id, unit, SUM(amount) FROM ledger_entry GROUP BY transaction_id, unit"
        " HAVING SUM(amount) <> 0 ORDER BY transaction_id, unit LIMIT %s",
        [PER_CHECK],
    ):
        report.add(
            f"transaction {transaction_id} is unbalanced: its {unit} entries sum to {int(total)}",
            transaction_id=transaction_id,
        )
    # 2. An entry's unit is its account's unit (and the account exists).
    for entry_id, transaction_id, account_id, unit, account_unit in _rows(
        "SELECT e.id, e.transaction_id, e.account_id, e.unit, a.unit FROM ledger_entry e"
        " LEFT JOIN ledger_account a ON a.id = e.account_id"
        " WHERE a.id IS NULL OR e.unit <> a.unit ORDER BY e.id LIMIT %s",
        [PER_CHECK],
    ):
        if account_unit is None:
            report.add(f"entry {entry_id}: its account {account_id} does not exist", transaction_id=transaction_id)
        else:
            report.add(
                f"entry {entry_id}: unit {unit} is not its account {account_id}'s unit {account_unit}",
                transaction_id=transaction_id,
            )
    # 4. Each entry's balance_after extends its account's previous entry.
    for entry_id, transaction_id, account_id, amount, balance_after, previous in _rows(
        "SELECT id, transaction_id, account_id, amount, balance_after, previous FROM ("
        " SELECT id, transaction_id, account_id, amount, balance_after,"
        " LAG(balance_after) OVER (PARTITION BY account_id ORDER BY id) AS previous"
        " FROM ledger_entry) chained"
        " WHERE balance_after <> COALESCE(previous, 0) + amount ORDER BY id LIMIT %s",
        [PER_CHECK],
    ):
        report.add(
            f"entry {entry_id}: balance_after breaks the chain of account {account_id} "
            f"({balance_after} ≠ previous {previous or 0} + amount {amount})",
            transaction_id=transaction_id,
        )


def _check_accounts(report: VerificationReport) -> None:
    report.accounts = Account.objects.count()
    report.pending_holds = Hold.objects.filter(status=Hold.Status.PENDING).count()
    rows = _rows(
        "SELECT a.id, a.balance, a.held, a.min_balance, a.max_balance,"
        " COALESCE(e.total, 0), last.balance_after, COALESCE(h.pending, 0)"
        " FROM ledger_account a"
        " LEFT JOIN (SELECT account_id, SUM(amount) AS total, MAX(id) AS last_id FROM ledger_entry"
        " GROUP BY account_id) e ON e.account_id = a.id"
        " LEFT JOIN ledger_entry last ON last.id = e.last_id"
        " LEFT JOIN (SELECT debit_account_id, SUM(amount) AS pending FROM ledger_hold WHERE status = %s"
        " GROUP BY debit_account_id) h ON h.debit_account_id = a.id"
        " WHERE a.balance <> COALESCE(e.total, 0) OR a.balance <> COALESCE(last.balance_after, 0)"
        " OR a.held <> COALESCE(h.pending, 0)"
        " OR (a.min_balance IS NOT NULL AND a.balance - a.held < a.min_balance)"
        " OR (a.max_balance IS NOT NULL AND a.balance > a.max_balance)"
        " ORDER BY a.id LIMIT %s",
        [Hold.Status.PENDING, PER_CHECK],
    )
    for account_id, balance, held, min_balance, max_balance, total, last_balance, pending in rows:
        total, pending, last_balance = int(total), int(pending), int(last_balance or 0)
        if balance != total:
            report.add(f"account {account_id}: balance {balance} ≠ sum of entries {total}")
        elif balance != last_balance:
            report.add(f"account {account_id}: balance {balance} ≠ its last entry's balance_after {last_balance}")
        if held != pending:
            report.add(f"account {account_id}: held {held} ≠ sum of pending holds {pending}")
        if min_balance is not None and balance - held < min_balance:
            report.add(f"account {account_id}: balance − held {balance - held} is below its lower limit {min_balance}")
        if max_balance is not None and balance > max_balance:
            report.add(f"account {account_id}: balance {balance} is above its upper limit {max_balance}")


def _check_keys_and_backing(report: VerificationReport) -> None:
    # 6. One idempotency key, one transaction; a transaction is reversed at most once.
    for key, count in _rows(
        "SELECT idempotency_key, COUNT(*) FROM ledger_transaction WHERE idempotency_key IS NOT NULL"
        " GROUP BY idempotency_key HAVING COUNT(*) > 1 ORDER BY MIN(id) LIMIT %s",
        [PER_CHECK],
    ):
        report.add(f"idempotency key {key!r} is used by {count} transactions")
    for reverses_id, count in _rows(
        "SELECT reverses_id, COUNT(*) FROM ledger_transaction WHERE reverses_id IS NOT NULL"
        " GROUP BY reverses_id HAVING COUNT(*) > 1 ORDER BY reverses_id LIMIT %s",
        [PER_CHECK],
    ):
        report.add(f"transaction {reverses_id} is reversed {count} times", transaction_id=reverses_id)
    # 7. guarantee_fund(EUR) = −issuance(backed units).
    backed = [unit.code for unit in all_units().values() if unit.kind == UnitKind.BACKED]
    system = Account.objects.filter(kind=Account.Kind.SYSTEM)
    fund = system.filter(system_code=Account.SystemCode.GUARANTEE_FUND, unit=FIAT_UNIT).aggregate(total=Sum("balance"))[
        "total"
    ]
    issued = system.filter(system_code=Account.SystemCode.ISSUANCE, unit__in=backed).aggregate(total=Sum("balance"))[
        "total"
    ]
    fund, circulation = int(fund or 0), -int(issued or 0)
    if fund != circulation:
        report.add(
            f"backing broken: the guarantee fund holds {fund} ({FIAT_UNIT} minor units) but {circulation} "
            f"({', '.join(backed)} minor units) is in circulation"
        )


def _complete_seal_messages(report: VerificationReport) -> None:
    """Name, for each seal whose hash differs, the first transaction of its range another check flagged."""
    for discrepancy in report.discrepancies:
        seal = discrepancy.seal
        if seal is None:
            continue
        culprit = next(
            (
                other.transaction_id
                for other in report.discrepancies
                if other.transaction_id is not None
                and seal.first_transaction_id <= other.transaction_id <= seal.last_transaction_id
            ),
            None,
        )
        what = "a transaction of its range" if culprit is None else f"transaction {culprit}"
        facts = f"the seal covers transactions {seal.first_transaction_id}–{seal.last_transaction_id}"
        if discrepancy.seal_detail:
            facts += f"; {discrepancy.seal_detail}"
        discrepancy.message = f"seal {seal.sequence}: hash differs: {what} or its entries changed ({facts})"
        discrepancy.transaction_id = culprit


def _rows_to_verify() -> Iterator[tuple[Any, ...]]:
    """The rows sealing hashes (`transaction_rows`), fetched in binary on PostgreSQL.

    The same query, through a server-side cursor of the same transaction, but in psycopg's
    binary format: parsing two text timestamps per joined row was a third of the walk's time.
    Values are the same Python objects either way, so the canonical bytes are identical.
    """
    rows = transaction_rows()
    if connection.vendor != "postgresql":
        yield from rows
        return
    sql, params = Transaction.objects.order_by("id", "entries__id").values_list(*STREAM_FIELDS).query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with raw.cursor(name=f"verify_ledger_{uuid.uuid4().hex}", binary=True) as cursor:
        cursor.itersize = CHUNK_SIZE
        cursor.execute(sql, params)
        yield from cursor


def _walk(report: VerificationReport, progress: ProgressCallback | None, progress_every: int) -> None:
    walk = _SealWalk(report, timedelta(seconds=configured_lag_seconds()))
    too_few_entries: list[tuple[int, int]] = []  # reported after the seals, which come first
    for streamed in stream_transactions(_rows_to_verify()):
        report.transactions += 1
        report.entries += streamed.entry_count
        if streamed.entry_count < 2 and len(too_few_entries) < PER_CHECK:
            too_few_entries.append((streamed.id, streamed.entry_count))
        if not streamed.memo_intact:
            # Its salt is still there, so the memo must be the one its digest (what the seal covers) commits to.
            report.add(
                f"transaction {streamed.id}: its memo or memo parameters were changed "
                "(they no longer match the memo digest that is sealed)",
                transaction_id=streamed.id,
            )
        walk.feed(streamed)
        if progress is not None and report.transactions % progress_every == 0:
            progress(report.transactions)
    walk.finish()
    for transaction_id, count in too_few_entries:
        report.add(
            f"transaction {transaction_id} has {count} entries (at least two are needed)",
            transaction_id=transaction_id,
        )


def verify_ledger(*, progress: ProgressCallback | None = None, progress_every: int = 50_000) -> VerificationReport:
    """Recompute every seal, invariants 1–7 and every account from the rows; never raises on a discrepancy."""
    started = time.monotonic()
    report = VerificationReport()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # One snapshot for every query: postings that commit meanwhile are simply not seen.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        _walk(report, progress, progress_every)
        _check_entries(report)
        _check_accounts(report)
        _check_keys_and_backing(report)
    _complete_seal_messages(report)
    report.seconds = time.monotonic() - started
    return report
