"""django-hordak's `Account.transfer_to`, timed like the floor: a standalone program for another interpreter.

    python bench/hordak.py --dsn postgres://user@host:5432/name --seconds 10 --workers 8 --accounts 1000

django-hordak is not a dependency of the project: this program runs under an interpreter that has
it (`pip install django-hordak==2.0.0 'psycopg[binary]'`), configures Django itself and imports
nothing from the project. `ledger_bench --hordak-python PATH` runs it with the bench database's
DSN, so hordak is measured on the same server, in the same minutes, as the floor and pgbench.

It creates its own database, `<dsn database>_hordak` (dropped at the start and at the end), runs
hordak's migrations there (its triggers included: the deferred zero-sum `check_leg`), creates
`--accounts` EUR asset accounts under one parent (an asset → asset transfer lowers one and raises
the other: both ways are allowed), then posts random transfers of 0.01–5.00 with 1 and `--workers`
processes, each transfer one committed database transaction:

- preloaded: the Account objects fetched once per worker, then `payer.transfer_to(payee, amount)`;
  its own `@transaction.atomic()` is then the outermost block: `INSERT` transaction, two `INSERT`
  legs, `COMMIT`, nothing else (wrapping it in another atomic would add a savepoint the floor does
  not make);
- resolved: as an API request would, `Account.objects.get(pk=…)` twice and `transfer_to` inside one
  `atomic(durable=True)`, where hordak's own atomic becomes a savepoint (`SAVEPOINT`, `RELEASE`).

Then a balance read (`Account.get_balance()`, a `SUM` over the account's legs, median of 50) on the
account with the most legs, before and after loading `--load-legs` more legs onto it: hordak stores
no balance, so the read grows with the history. One JSON object is printed on stdout; progress on
stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

SUFFIX = "_hordak"
CURRENCY = "EUR"
TIMEOUT_MARGIN = 120.0
BALANCE_READS = 50


def conninfo_from_dsn(dsn: str) -> dict[str, Any]:
    """psycopg.connect() keywords from a postgres:// URL (DATABASE_URL's form)."""
    parts = urlsplit(dsn)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"hordak bench: PostgreSQL only, not {parts.scheme!r}")
    return {
        "host": parts.hostname or None,
        "port": parts.port or None,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "dbname": unquote(parts.path.lstrip("/")),
        **dict(parse_qsl(parts.query)),
    }


def say(message: str) -> None:
    print(f"hordak bench: {message}", file=sys.stderr, flush=True)


# --- its own database --------------------------------------------------------------------------


def _admin(conninfo: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(**{**conninfo, "dbname": "postgres"}, autocommit=True)


def recreate_database(conninfo: dict[str, Any]) -> None:
    """DROP … WITH (FORCE) then CREATE, on the `postgres` database (CREATE DATABASE refuses a transaction)."""
    from psycopg import sql

    with _admin(conninfo) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(conninfo["dbname"])))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(conninfo["dbname"])))


def drop_database(conninfo: dict[str, Any]) -> None:
    from psycopg import sql

    with _admin(conninfo) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(conninfo["dbname"])))


def configure_django(conninfo: dict[str, Any]) -> None:
    """What hordak 2.0.0 needs and nothing of the project: its models (MPTT accounts, money fields),
    contenttypes for its migrations, auth beside it, one currency."""
    import django
    from django.conf import settings

    options = {
        key: value for key, value in conninfo.items() if key not in {"host", "port", "user", "password", "dbname"}
    }
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "mptt", "hordak"],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": conninfo["dbname"],
                "HOST": conninfo["host"] or "",
                "PORT": str(conninfo["port"] or ""),
                "USER": conninfo["user"] or "",
                "PASSWORD": conninfo["password"] or "",
                "OPTIONS": options,
            }
        },
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        DEFAULT_CURRENCY=CURRENCY,
        CURRENCIES=[CURRENCY],
        HORDAK_INTERNAL_CURRENCY=CURRENCY,
        DEBUG=False,  # no query log: it would slow every statement, as in the project's bench
    )
    django.setup()


def create_accounts(count: int) -> list[int]:
    """`count` EUR asset accounts under one asset parent (hordak's triggers give a child its parent's type)."""
    from hordak.models import Account, AccountType

    parent = Account.objects.create(name="Members", code="M", type=AccountType.asset, currencies=[CURRENCY])
    ids = []
    for number in range(count):
        # One by one: MPTT numbers the tree and hordak's trigger writes full_code on each insert.
        account = Account.objects.create(
            parent=parent, name=f"Member {number}", code=str(number), currencies=[CURRENCY]
        )
        ids.append(account.pk)
    return ids


# --- the timed workers ---------------------------------------------------------------------------


def _pair(rng: random.Random, ids: list[int]) -> tuple[int, int]:
    payer, payee = rng.sample(ids, 2)
    return payer, payee


def transfer_worker(ids: list[int], seconds: float, resolved: bool, seed: int, barrier: Any, results: Any) -> None:
    """Post transfers for `seconds`, one committed transaction each; count them and the refused ones."""
    from django.db import DatabaseError, connections, transaction
    from hordak.models import Account
    from moneyed import Money

    rng = random.Random(seed)
    preloaded = {} if resolved else Account.objects.in_bulk(ids)
    errors = done = 0
    barrier.wait()
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline:
        payer_id, payee_id = _pair(rng, ids)
        amount = Money(Decimal(rng.randint(1, 500)) / 100, CURRENCY)
        try:
            if resolved:
                with transaction.atomic(durable=True):
                    payer = Account.objects.get(pk=payer_id)
                    payer.transfer_to(Account.objects.get(pk=payee_id), amount)
            else:
                preloaded[payer_id].transfer_to(preloaded[payee_id], amount)
            done += 1
        except DatabaseError:
            errors += 1
    connections.close_all()
    results.put((done, time.monotonic() - started, errors))


def run_parallel(ids: list[int], *, seconds: float, workers: int, resolved: bool, seed: int = 1) -> dict[str, Any]:
    """`workers` forked processes at a barrier, as bench.workers.run_parallel (not imported: no project here)."""
    from django.db import connections

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers)
    results = context.Queue()
    connections.close_all()  # a forked child must not share the parent's socket
    processes = [
        context.Process(
            target=transfer_worker, args=(ids, seconds, resolved, seed * 1000 + i, barrier, results), daemon=True
        )
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=seconds + TIMEOUT_MARGIN) for _ in processes]
    for process in processes:
        process.join(timeout=TIMEOUT_MARGIN)
    transfers = sum(done for done, _, _ in reports)
    elapsed = max(taken for _, taken, _ in reports)
    return {
        "workers": workers,
        "transfers": transfers,
        "seconds": round(elapsed, 3),
        "errors": sum(failed for _, _, failed in reports),
        "per_second": round(transfers / elapsed, 1) if elapsed > 0 else 0.0,
    }


def statements_per_transfer(ids: list[int], *, resolved: bool) -> list[str]:
    """The SQL of one transfer of each variant (BEGIN and COMMIT are not logged by Django)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from hordak.models import Account
    from moneyed import Money

    amount = Money(Decimal("0.01"), CURRENCY)
    accounts = Account.objects.in_bulk(ids[:2])
    with CaptureQueriesContext(connection) as queries:
        if resolved:
            with transaction.atomic(durable=True):
                Account.objects.get(pk=ids[0]).transfer_to(Account.objects.get(pk=ids[1]), amount)
        else:
            accounts[ids[0]].transfer_to(accounts[ids[1]], amount)
    return [query["sql"][:80] for query in queries.captured_queries]


# --- the balance read --------------------------------------------------------------------------


def balance_read(account_id: int) -> dict[str, Any]:
    """Median of `BALANCE_READS` calls of get_balance() (its descendants, then a SUM of their legs)."""
    from hordak.models import Account, Leg

    account = Account.objects.get(pk=account_id)
    account.get_balance()  # warm: the plan and the pages
    samples = []
    for _ in range(BALANCE_READS):
        started = time.perf_counter()
        account.get_balance()
        samples.append(time.perf_counter() - started)
    return {
        "legs": Leg.objects.filter(account_id=account_id).count(),
        "ms": round(statistics.median(samples) * 1000, 3),
    }


def load_legs(account_id: int, counter_id: int, count: int) -> None:
    """`count` transactions counter → account, two legs each, in two statements.

    hordak's deferred check_leg trigger checks each leg at COMMIT (a SUM over its transaction's legs):
    the rows balance by construction, so the load skips the triggers where it may (superuser), as
    the project's bench does for its long histories.
    """
    from django.db import connection, transaction

    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:  # otherwise the trigger runs: the load is slower, the rows the same
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            WITH t AS (
                INSERT INTO hordak_transaction (uuid, timestamp, date, description)
                SELECT gen_random_uuid(), now(), current_date, 'load' FROM generate_series(1, %(count)s)
                RETURNING id
            )
            INSERT INTO hordak_leg (uuid, transaction_id, account_id, credit, debit, currency, description)
            SELECT gen_random_uuid(), id, side.account_id, side.credit, side.debit, %(currency)s, ''
            FROM t, (VALUES (%(counter)s::bigint, 0.01::numeric, NULL::numeric),
                            (%(account)s::bigint, NULL::numeric, 0.01::numeric)) AS side (account_id, credit, debit)
            """,
            {"count": count, "currency": CURRENCY, "counter": counter_id, "account": account_id},
        )
        cursor.execute("ANALYZE hordak_leg")


# --- the program -----------------------------------------------------------------------------------


def measure(ids: list[int], *, seconds: float, workers: int, load: int) -> dict[str, Any]:
    import hordak
    from django.db.models import Count
    from hordak.models import Account

    out: dict[str, Any] = {"version": getattr(hordak, "__version__", None) or _installed_version()}
    out["statements"] = {
        "preloaded": statements_per_transfer(ids, resolved=False),
        "resolved": statements_per_transfer(ids, resolved=True),
    }
    for variant, resolved in (("workers", False), ("resolved", True)):
        for count in (1, workers):
            say(f"transfer_to, {'resolved per transfer' if resolved else 'preloaded'}, {count} worker(s)")
            out[f"{variant}_{count}"] = run_parallel(ids, seconds=seconds, workers=count, resolved=resolved)
    busiest = Account.objects.filter(pk__in=ids).annotate(n=Count("legs")).order_by("-n", "pk").first()
    assert busiest is not None
    reads = [balance_read(busiest.pk)]
    if load > 0:
        say(f"loading {load:,} legs onto one account")
        load_legs(busiest.pk, next(pk for pk in ids if pk != busiest.pk), load)
        reads.append(balance_read(busiest.pk))
    out["balance_reads"] = reads
    out["balance_read_ms"] = reads[-1]["ms"]
    out["legs"] = reads[-1]["legs"]
    return out


def _installed_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("django-hordak")
    except PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dsn", required=True, help="postgres:// URL; the program works in <its database>_hordak.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Duration of each timed run.")
    parser.add_argument("--workers", type=int, default=8, help="Worker processes of the concurrent runs.")
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument(
        "--load-legs", type=int, default=100_000, help="Legs added to one account before the second balance read."
    )
    args = parser.parse_args(argv)
    if args.accounts < 2 or args.workers < 1 or args.seconds <= 0:
        parser.error("needs at least 2 accounts, 1 worker and a positive duration")
    source = conninfo_from_dsn(args.dsn)
    conninfo = {**source, "dbname": f"{source['dbname']}{SUFFIX}"}
    recreate_database(conninfo)
    try:
        configure_django(conninfo)
        from django.core.management import call_command
        from django.db import connections

        say(f"migrating {conninfo['dbname']}")
        call_command("migrate", interactive=False, verbosity=0)
        say(f"creating {args.accounts} accounts")
        ids = create_accounts(args.accounts)
        result = measure(ids, seconds=args.seconds, workers=args.workers, load=args.load_legs)
        result["database"] = conninfo["dbname"]
        connections.close_all()
    finally:
        drop_database(conninfo)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    # Run as a script, its folder comes first on sys.path: bench/http.py would stand for the
    # standard library's http (Django imports it), so the folder goes.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    sys.exit(main())
