"""The FEC export's speed and memory: `fec_timings(transactions=N)` loads a past fiscal year of N
two-leg payments in the local currency between many members (if the year has fewer), then times
`ledger.fec.fec_write` to the null device in ISO-8859-15, as the export job writes it.

The load is set-based: on PostgreSQL one INSERT … SELECT generate_series for the transactions and
one for their entries, with the ledger's triggers off for the load only (session_replication_role,
superuser), as `bench.measure` loads long histories; balances and `balance_after` are computed in
the same statement, so the ledger stays consistent (verify_ledger passes). On SQLite, rows are
inserted in batches (slower; the bench there is for small sizes).

Memory: the peak resident set size of the process during the export (Linux: the high-water mark
is reset first through /proc/self/clear_refs), next to the one before it; flat memory means the
peak does not grow with N.
"""

from __future__ import annotations

import datetime
import os
import resource
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ledger.fec import LATIN_9, FecBooks, fec_transactions, fec_write, fiscal_year_bounds
from members.models import Member

from .population import LIMIT, _members

PREFIX = "fec-bench-"
KIND = "transfer"
BATCH = 20_000  # SQLite: rows per executemany


def _member_accounts(count: int, unit: str) -> list[int]:
    """`count` member accounts in `unit` (created once, reused by later runs), wide limits.

    In SQL, as the rest of the load (bench/measure.py loads its history the same way): the bench
    writes its fixture rows itself, outside the ledger's services and their audit."""
    select = (
        "SELECT a.id FROM ledger_account a JOIN members_member m ON m.id = a.holder_id"
        " JOIN auth_user u ON u.id = m.user_id WHERE a.kind = 'member' AND a.unit = %s AND u.username LIKE %s"
        " ORDER BY a.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(select, [unit, f"{PREFIX}%"])
        existing = [row[0] for row in cursor.fetchall()]
        if len(existing) >= count:
            return existing[:count]
        members = _members(f"{PREFIX}{len(existing)}-", count - len(existing), Member.Kind.INDIVIDUAL)
        now = timezone.now()
        cursor.executemany(
            "INSERT INTO ledger_account (kind, holder_id, system_code, reference, unit, name, balance, held,"
            " min_balance, max_balance, status, created_at) VALUES ('member', %s, '', '', %s, '', 0, 0, %s, %s,"
            " 'open', %s)",
            [(member.pk, unit, -LIMIT, LIMIT, now) for member in members],
        )
        cursor.execute(select, [unit, f"{PREFIX}%"])
        return [row[0] for row in cursor.fetchall()][:count]


def _step(year: int, transactions: int) -> datetime.timedelta:
    """Transactions follow each other this far apart: the year holds a million of them (or the
    number asked, if more), and a later, larger load continues after the earlier one, in date
    order as a ledger records them."""
    start, end = fiscal_year_bounds(year)
    return (end - start) / (max(transactions, 1_000_000) + 1)


def _pg_load(year: int, first: int, count: int, step: datetime.timedelta, account_ids: list[int], unit: str) -> None:
    start = fiscal_year_bounds(year)[0] + step * first
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SELECT id FROM ledger_account WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [account_ids])
        cursor.execute(
            """
            WITH t AS (
                INSERT INTO ledger_transaction (kind, memo, created_at, idempotency_key, request_hash)
                SELECT %(kind)s, 'Achat n° ' || g, %(start)s + g * (%(step)s * interval '1 microsecond'), NULL, ''
                FROM generate_series(1, %(count)s) AS g ORDER BY g
                RETURNING id
            ), numbered AS (
                SELECT id, row_number() OVER (ORDER BY id) AS n FROM t
            ), legs AS (
                SELECT id, 1 AS side, (%(ids)s::bigint[])[1 + n %% %(k)s] AS account_id, -(n %% 5000 + 1) AS amount
                FROM numbered
                UNION ALL
                SELECT id, 2, (%(ids)s::bigint[])[1 + (n + 1 + n %% (%(k)s - 1)) %% %(k)s], n %% 5000 + 1 FROM numbered
            )
            INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)
            SELECT legs.id, legs.account_id, %(unit)s, legs.amount,
                   a.balance + SUM(legs.amount) OVER (PARTITION BY legs.account_id ORDER BY legs.id, legs.side)
            FROM legs JOIN ledger_account a ON a.id = legs.account_id
            ORDER BY legs.id, legs.side
            """,
            {
                "kind": KIND,
                "start": start,
                "step": step // datetime.timedelta(microseconds=1),
                "count": count,
                "ids": account_ids,
                "k": len(account_ids),
                "unit": unit,
            },
        )
        cursor.execute(
            "UPDATE ledger_account SET balance = (SELECT balance_after FROM ledger_entry"
            " WHERE account_id = ledger_account.id ORDER BY id DESC LIMIT 1) WHERE id = ANY(%s)",
            [account_ids],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ledger_entry, ledger_transaction, ledger_account")  # what autovacuum would do


def _sqlite_load(
    year: int, first: int, count: int, step: datetime.timedelta, account_ids: list[int], unit: str
) -> None:
    start = fiscal_year_bounds(year)[0] + step * first
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, balance FROM ledger_account WHERE id IN ({', '.join(['%s'] * len(account_ids))})",  # noqa: S608
            account_ids,
        )
        balances = dict(cursor.fetchall())
    k = len(account_ids)
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_transaction")
        first = cursor.fetchone()[0] + 1
        for offset in range(0, count, BATCH):
            numbers = range(offset + 1, min(offset + BATCH, count) + 1)
            cursor.executemany(
                "INSERT INTO ledger_transaction (id, kind, memo, created_at, idempotency_key, request_hash,"
                " memo_salt, memo_digest) VALUES (%s, %s, %s, %s, NULL, '', '', '')",
                [(first + n - 1, KIND, f"Achat n° {n}", adapt(start + step * n)) for n in numbers],
            )
            entries = []
            for n in numbers:
                amount = n % 5000 + 1
                payer, payee = account_ids[n % k], account_ids[(n + 1 + n % (k - 1)) % k]
                balances[payer] -= amount
                entries.append((first + n - 1, payer, unit, -amount, balances[payer]))
                balances[payee] += amount
                entries.append((first + n - 1, payee, unit, amount, balances[payee]))
            cursor.executemany(
                "INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)"
                " VALUES (%s, %s, %s, %s, %s)",
                entries,
            )
        for pk, balance in balances.items():
            cursor.execute("UPDATE ledger_account SET balance = %s WHERE id = %s", [balance, pk])


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def _peak_rss_reset() -> bool:
    """Reset the process's resident-set high-water mark (Linux ≥ 4.0); False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def _peak_rss_kib() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux; never reset


def fec_timings(*, transactions: int, accounts: int | None = None, year: int | None = None) -> dict[str, Any]:
    """Load the year up to `transactions` (statutory, two legs each) and time its FEC."""
    year = year or timezone.localdate().year - 1  # a closed year, as the FEC is asked for
    unit = settings.BOCAGE_LOCAL_UNIT
    books = FecBooks()
    present = fec_transactions(year, books).count()
    load: dict[str, Any] = {"count": 0, "seconds": 0.0}
    if present < transactions:
        started = time.monotonic()
        account_ids = _member_accounts(accounts or min(20_000, max(100, transactions // 50)), unit)
        if connection.vendor == "postgresql":
            if not _is_superuser():
                return {"skipped": "loading needs a PostgreSQL superuser (the ledger's triggers are off for the load)"}
            _pg_load(year, present, transactions - present, _step(year, transactions), account_ids, unit)
        else:
            _sqlite_load(year, present, transactions - present, _step(year, transactions), account_ids, unit)
        load = {"count": transactions - present, "seconds": round(time.monotonic() - started, 2)}
    rss_before = _peak_rss_kib()
    reset = _peak_rss_reset()
    reports: list[tuple[int, int]] = []
    started = time.monotonic()
    cpu_started = time.process_time()
    with open(os.devnull, "w", encoding=LATIN_9, newline="") as out:
        lines = fec_write(
            year=year,
            out=out,
            books=books,
            encoding=LATIN_9,
            progress=lambda done, total: reports.append((done, total)),
        )
    seconds = time.monotonic() - started
    cpu = time.process_time() - cpu_started
    exported = reports[-1][0] if reports else 0
    return {
        "database": connection.vendor,
        "year": year,
        "load": load,
        "transactions": exported,
        "lines": lines,
        "seconds": round(seconds, 2),
        "python_cpu_seconds": round(cpu, 2),
        "transactions_per_second": round(exported / seconds) if seconds else None,
        "peak_rss_mib_before": round(rss_before / 1024, 1),
        "peak_rss_mib_during": round(_peak_rss_kib() / 1024, 1) if reset else None,
        "progress_reports": len(reports),
        "loadavg": _loadavg(),
    }


def _loadavg() -> str:
    try:
        with open("/proc/loadavg") as loadavg:
            return loadavg.read().strip()
    except OSError:
        return ""


__all__ = ["fec_timings"]
