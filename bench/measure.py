"""The in-process workloads: batch posting, loading long histories, reads, verify_ledger, profiling."""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from ledger import selectors, services
from ledger.models import Account
from ledger.sealing import seal_pending

from .population import Population

# --- batch ------------------------------------------------------------------------------------


def _batch(population: Population, rng: random.Random, size: int) -> list[services.BatchTransfer]:
    ids = population.account_ids
    transfers = []
    for _ in range(size):
        payer, payee = rng.sample(ids, 2)
        transfers.append(
            services.BatchTransfer(
                from_account_id=payer,
                to_account_id=payee,
                amount=Money(Decimal(rng.randint(1, 500)) / 100, population.unit),
                idempotency_key=f"bench-batch:{uuid.uuid4()}",
            )
        )
    return transfers


def batch_rate(population: Population, *, calls: int, size: int) -> dict[str, Any]:
    """transactions_post_batch, `size` transfers per call, each call one atomic transaction (after
    one untimed warm-up call)."""
    rng = random.Random(7)
    actor = get_user_model().objects.get(pk=population.actor_id)
    batches = [_batch(population, rng, size) for _ in range(calls)]  # built outside the clock
    # One call first, not timed: the session's first use of the trigger functions plans them.
    services.transactions_post_batch(transfers=_batch(population, rng, size), actor=actor)
    durations = []
    for transfers in batches:
        started = time.monotonic()
        services.transactions_post_batch(transfers=transfers, actor=actor)
        durations.append(time.monotonic() - started)
    total = sum(durations)
    return {
        "calls": calls,
        "batch_size": size,
        "transfers": calls * size,
        "seconds": round(total, 3),
        "per_second": round(calls * size / total, 1) if total else 0.0,
        "ms_per_call_median": round(statistics.median(durations) * 1000, 1),
        "ms_per_call_min": round(min(durations) * 1000, 1),
    }


# --- loading long histories -------------------------------------------------------------------


def _bulk_sql_load(account_id: int, counter_id: int, count: int, unit: str = "HRS") -> None:
    """`count` transactions counter → account in three statements, chained on the current balances.

    Triggers are off for the load only (session_replication_role, superuser): checking millions
    of rows one by one would take most of the run. The rows are consistent by construction, and
    the verify_ledger workload then checks every one of them (chain, sums, account totals).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "SELECT id, balance FROM ledger_account WHERE id IN (%s, %s) FOR UPDATE", [account_id, counter_id]
        )
        balances = dict(cursor.fetchall())
        cursor.execute(
            """
            WITH t AS (
                INSERT INTO ledger_transaction (kind, memo, created_at, idempotency_key, request_hash)
                SELECT 'posting', 'bench load', now() - interval '1 day' + g * interval '1 microsecond', NULL, ''
                FROM generate_series(1, %(count)s) AS g ORDER BY g
                RETURNING id
            ), numbered AS (
                SELECT id, (row_number() OVER (ORDER BY id) %% 7 + 1) AS amount FROM t
            ), running AS (
                SELECT id, amount, SUM(amount) OVER (ORDER BY id) AS total FROM numbered
            )
            INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)
            SELECT id, account_id, %(unit)s, amount, balance_after FROM (
                SELECT id, 1 AS side, %(counter)s AS account_id, -amount AS amount,
                       %(counter_balance)s - total AS balance_after FROM running
                UNION ALL
                SELECT id, 2, %(account)s, amount, %(account_balance)s + total FROM running
            ) AS legs ORDER BY id, side
            """,
            {
                "count": count,
                "unit": unit,
                "counter": counter_id,
                "account": account_id,
                "counter_balance": balances[counter_id],
                "account_balance": balances[account_id],
            },
        )
        cursor.execute(
            "UPDATE ledger_account SET balance = (SELECT balance_after FROM ledger_entry"
            " WHERE account_id = ledger_account.id ORDER BY id DESC LIMIT 1) WHERE id IN (%s, %s)",
            [account_id, counter_id],
        )


def batch_load(*, actor_id: int, payer_id: int, payee_id: int, count: int, unit: str) -> None:
    """`count` small payments payer → payee through transactions_post_batch, 5,000 a call (SQLite,
    or PostgreSQL without superuser, where _bulk_sql_load cannot turn the triggers off)."""
    actor = get_user_model().objects.get(pk=actor_id)
    for start in range(0, count, 5000):
        size = min(5000, count - start)
        services.transactions_post_batch(
            transfers=[
                services.BatchTransfer(
                    from_account_id=payer_id,
                    to_account_id=payee_id,
                    amount=Money(Decimal((start + i) % 7 + 1) / 100, unit),
                )
                for i in range(size)
            ],
            actor=actor,
        )


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def load_entries(population: Population, account_id: int, count: int) -> dict[str, Any]:
    """Give `account_id` `count` more entries (and the ledger as many transactions)."""
    started = time.monotonic()
    method = "batch"
    if count > 0:
        if connection.vendor == "postgresql" and _is_superuser():
            method = "sql"
            _bulk_sql_load(account_id, population.world_account_id, count)
        else:
            batch_load(
                actor_id=population.actor_id,
                payer_id=population.world_account_id,
                payee_id=account_id,
                count=count,
                unit=population.unit,
            )
    return {"method": method, "count": count, "seconds": round(time.monotonic() - started, 2)}


def seal_everything() -> dict[str, Any]:
    started = time.monotonic()
    later = None
    from datetime import timedelta

    from django.utils import timezone

    later = timezone.now() + timedelta(days=1)
    seals = 0
    while seal_pending(now=later) is not None:
        seals += 1
    return {"seals": seals, "seconds": round(time.monotonic() - started, 2)}


# --- reads ------------------------------------------------------------------------------------


def _summary(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000, 3),
    }


def _read_operations(staff: Any, account: Account) -> dict[str, Any]:
    entries = account.entries.count()
    middle = account.entries.order_by("id").values_list("id", flat=True)[entries // 2] if entries else None

    def balance() -> int:
        return selectors.account_get_visible(user=staff, account_id=account.pk).balance

    def first_page() -> list[Any]:
        return [(e.id, e.transaction.memo) for e in selectors.account_statement(account=account, limit=50)]

    def deep_page() -> list[Any]:
        page = selectors.account_statement(account=account, before_id=middle, limit=50)
        return [(e.id, e.transaction.memo) for e in page]

    return {"entries": entries, "balance_read": balance, "statement_page": first_page, "statement_page_deep": deep_page}


def reads(population: Population, *, repeat: int) -> dict[str, Any]:
    """Balance read and a 50-row statement page (first page and one deep in history) per size.

    The selectors the API and the pages use: account_get_visible (the account row) and
    account_statement (keyset by entry id, 50 rows, the transaction joined). The sizes are
    measured in turn, round after round, so a burst of load elsewhere falls on all of them alike.
    """
    staff = get_user_model().objects.get(pk=population.actor_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ledger_entry, ledger_transaction, ledger_account")  # what autovacuum would do
    operations = {
        size: _read_operations(staff, selectors.account_get(account_id))
        for size, account_id in population.read_account_ids.items()
    }
    kinds = ("balance_read", "statement_page", "statement_page_deep")
    samples: dict[tuple[str, str], list[float]] = {(size, kind): [] for size in operations for kind in kinds}
    for round_number in range(repeat + 1):
        for size, ops in operations.items():
            for kind in kinds:
                started = time.perf_counter()
                ops[kind]()
                if round_number:  # the first round warms the caches: the steady state is what users see
                    samples[size, kind].append(time.perf_counter() - started)
    results: dict[str, Any] = {}
    for size, ops in operations.items():
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            ops["statement_page"]()
        results[size] = {"entries": ops["entries"], "statement_queries": len(queries.captured_queries)}
        results[size].update({kind: _summary(samples[size, kind]) for kind in kinds})
    return results


# --- verify_ledger in a child process ---------------------------------------------------------

VERIFY_CHILD = """
import json, os, resource, sys, time
import django
django.setup()
from ledger.verification import verify_ledger
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = verify_ledger()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"transactions": report.transactions, "entries": report.entries, "seconds": report.seconds,
                  "ok": report.ok, "discrepancies": [str(d) for d in report.discrepancies[:5]],
                  "rss_before_kb": before, "peak_rss_kb": peak}))
"""


def verify_in_child() -> dict[str, Any]:
    """verify_ledger in a fresh interpreter: its ru_maxrss is its own peak, not the parent's."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    connection.close()
    done = subprocess.run(  # noqa: S603 - our interpreter, a fixed script
        [sys.executable, "-c", VERIFY_CHILD],
        cwd=str(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["per_second"] = round(result["transactions"] / result["seconds"], 1) if result["seconds"] else 0.0
    result["peak_memory_mb"] = round(result["peak_rss_kb"] / 1024, 1)
    result["memory_growth_mb"] = round((result["peak_rss_kb"] - result["rss_before_kb"]) / 1024, 1)
    return result


def transaction_count() -> int:
    return selectors.transaction_count()


# --- profile ----------------------------------------------------------------------------------


def pg_stat_statements_state() -> str:
    if connection.vendor != "postgresql":
        return "unavailable (SQLite)"
    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_preload_libraries")
        row = cursor.fetchone()
    if row and "pg_stat_statements" in row[0]:
        return "available"
    return "unavailable (not in shared_preload_libraries; query counts come from Django instead)"


def _http_queries(population: Population) -> dict[str, Any]:
    """The queries of one POST /api/transfers/, in process (Django's test client, no server)."""
    client = Client()
    payer, payee = population.account_ids[2:4]

    def post() -> int:
        response = client.post(
            "/api/transfers/",
            data=json.dumps({"from_account": payer, "to_account": payee, "amount": "0.01"}),
            content_type="application/json",
            secure=True,
            headers={"Authorization": f"Token {population.token}", "Idempotency-Key": str(uuid.uuid4())},
        )
        return response.status_code

    post()
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        status = post()
    sql = [query["sql"][:120] for query in queries.captured_queries]
    return {"status": status, "queries": len(sql), "sql": sql}


def profile_posting(population: Population, *, transfers: int) -> dict[str, Any]:
    """Queries per posting (Django's CaptureQueriesContext, BEGIN/COMMIT not counted) and cProfile."""
    actor = get_user_model().objects.get(pk=population.actor_id)
    accounts = selectors.accounts_with_holders(population.account_ids[:2])
    payer, payee = (accounts[pk] for pk in population.account_ids[:2])
    amount = Money(Decimal("0.01"), population.unit)

    def post() -> None:
        services.transfer_create(
            from_account=payer, to_account=payee, amount=amount, actor=actor, idempotency_key=f"p:{uuid.uuid4()}"
        )

    post()
    reset_queries()  # the log keeps 9,000 queries at most: a full one would capture nothing
    # captured_queries slices the connection's log when read: read each right away, before the
    # next reset_queries() empties the log and other queries fill it.
    with CaptureQueriesContext(connection) as single:
        post()
    transfer_sql = [query["sql"][:160] for query in single.captured_queries]
    rng = random.Random(3)
    batch = _batch(population, rng, 1000)
    reset_queries()
    with CaptureQueriesContext(connection) as batched:
        services.transactions_post_batch(transfers=batch, actor=actor)
    batch_sql = [query["sql"][:120] for query in batched.captured_queries]
    http = _http_queries(population)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(transfers):
        post()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(12)
    lines = [line for line in text.getvalue().splitlines() if line.strip()]
    return {
        "queries_per_transfer": len(transfer_sql),
        "transfer_sql": transfer_sql,
        "queries_per_batch_of_1000": len(batch_sql),
        "batch_sql": batch_sql,
        "queries_per_http_transfer": http["queries"],
        "http_transfer_sql": http["sql"],
        "cprofile_top_tottime": lines[-14:],
        "pg_stat_statements": pg_stat_statements_state(),
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def profile_summary(directory: Path, *, top: int = 40) -> dict[str, Any]:
    """The web workers' cProfile statistics (bench.profiled_wsgi), added: the top by own and cumulative time."""
    files = sorted(directory.glob("worker-*.prof"))
    if not files:
        return {"files": 0}
    stats = pstats.Stats(str(files[0]))
    for extra in files[1:]:
        stats.add(str(extra))
    out: dict[str, Any] = {"files": len(files), "directory": str(directory)}
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        stats.stream = text  # type: ignore[attr-defined]
        stats.sort_stats(order).print_stats(top)
        out[order] = [line for line in text.getvalue().splitlines() if line.strip()][-top - 1 :]
    return out


def pgbench(conninfo: dict[str, Any], *, seconds: float, workers: int) -> dict[str, Any] | None:
    """PostgreSQL's own pgbench (its TPC-B-like script: three UPDATEs, a SELECT, an INSERT, a durable
    commit) on its own tables in the bench database, 1 and `workers` clients; None without pgbench."""
    import re
    import shutil

    binary = shutil.which("pgbench")
    if binary is None:
        return None
    env = {**os.environ}
    args = []
    for key, flag in (("host", "-h"), ("port", "-p"), ("user", "-U")):
        if conninfo.get(key):
            args += [flag, str(conninfo[key])]
    if conninfo.get("password"):
        env["PGPASSWORD"] = str(conninfo["password"])
    dbname = str(conninfo["dbname"])
    init = [binary, *args, "-i", "-s", str(max(workers, 1)), "-q", dbname]
    subprocess.run(init, env=env, capture_output=True, check=True)  # noqa: S603 - the server's own tool
    out: dict[str, Any] = {"scale": max(workers, 1)}
    for clients in (1, workers):
        done = subprocess.run(  # noqa: S603 - the server's own tool, fixed arguments
            [
                binary,
                *args,
                "-c",
                str(clients),
                "-j",
                str(min(clients, os.cpu_count() or 1)),
                "-T",
                str(max(int(seconds), 1)),
                dbname,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        tps = re.search(r"tps = ([0-9.]+)", done.stdout)
        latency = re.search(r"latency average = ([0-9.]+) ms", done.stdout)
        out[f"workers_{clients}"] = {
            "per_second": round(float(tps.group(1)), 1) if tps else None,
            "latency_ms": float(latency.group(1)) if latency else None,
        }
    return out


HORDAK_SCRIPT = Path(__file__).resolve().parent / "hordak.py"
HORDAK_STDERR_TAIL = 3000


def hordak(python: str, url: str, *, seconds: float, workers: int, accounts: int) -> dict[str, Any]:
    """django-hordak's transfer_to (bench/hordak.py) run by `python`, an interpreter that has it:
    hordak is not a dependency of the project, so it runs in another environment, in its own
    database beside the bench database, on the same server, with the floor's seconds and workers.

    A failure is an answer, not an exception: the rest of the bench goes on, and the JSON keeps
    the exit code and the end of the program's stderr.
    """
    command = [
        python,
        str(HORDAK_SCRIPT),
        *("--dsn", url, "--seconds", str(seconds), "--workers", str(workers), "--accounts", str(accounts)),
    ]
    # Four timed runs, plus migrating, creating the accounts and loading the legs of the balance read.
    timeout = 4 * seconds + 600
    try:
        done = subprocess.run(  # noqa: S603 - the interpreter the operator named, our own script
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "returncode": None, "stderr_tail": ""}
    if done.returncode != 0:
        return {
            "error": f"exit {done.returncode}",
            "returncode": done.returncode,
            "stderr_tail": done.stderr[-HORDAK_STDERR_TAIL:],
        }
    try:
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"error": "no JSON on stdout", "returncode": 0, "stderr_tail": done.stderr[-HORDAK_STDERR_TAIL:]}
    return result
