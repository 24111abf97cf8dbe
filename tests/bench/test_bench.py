"""The batch posting service, the fewer-round-trip posting path, and `ledger_bench --quick`.

Timings are never asserted: the benchmark is run for its JSON (every workload present, the bench
ledger verifying clean, the bench database gone afterwards), not for its figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from bench import database
from ledger import services
from ledger.errors import (
    IdempotencyKeyReused,
    InsufficientFunds,
    LimitExceeded,
    MembershipExpired,
    SameAccount,
    UnitMismatch,
)
from ledger.kinds import TRANSFER
from ledger.models import Account, Entry, Transaction
from ledger.verification import verify_ledger
from tests.conftest import account_of, requires_postgresql

WORKLOADS = ("floor", "single", "hot", "batch", "http", "reads", "verify", "profile")


def hrs(amount: str) -> Money:
    return Money(amount, "HRS")


def ledger_state() -> tuple:
    accounts = tuple(Account.objects.order_by("id").values_list("id", "balance", "held"))
    return Transaction.objects.count(), Entry.objects.count(), accounts


def transfer(payer: Account, payee: Account, amount: str, key: str | None = None) -> services.BatchTransfer:
    return services.BatchTransfer(
        from_account_id=payer.pk, to_account_id=payee.pk, amount=hrs(amount), idempotency_key=key
    )


@pytest.fixture
def trio(make_member):
    return [account_of(make_member(), "HRS") for _ in range(3)]


# --- transactions_post_batch --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_posts_every_transfer_with_exact_balances_and_a_chained_balance_after(trio):
    a, b, c = trio

    posted = services.transactions_post_batch(
        transfers=[transfer(a, b, "5"), transfer(b, c, "2.5"), transfer(a, c, "1.25"), transfer(c, a, "0.75")],
        actor=None,
    )

    for account in trio:
        account.refresh_from_db()
    assert (a.balance, b.balance, c.balance) == (-550, 250, 300)
    assert [txn.kind_id for txn in posted] == [TRANSFER] * 4
    assert list(
        Entry.objects.filter(transaction__in=posted).order_by("id").values_list("account_id", "amount", "balance_after")
    ) == [
        (a.pk, -500, -500),
        (b.pk, 500, 500),
        (b.pk, -250, 250),
        (c.pk, 250, 250),
        (a.pk, -125, -625),
        (c.pk, 125, 375),
        (c.pk, -75, 300),
        (a.pk, 75, -550),
    ]
    assert verify_ledger().discrepancies == []


@pytest.mark.django_db
def test_a_batch_with_one_transfer_beyond_the_limit_posts_nothing_at_all(trio):
    a, b, c = trio
    services.system_account(Account.SystemCode.WORLD, "HRS")
    before = ledger_state()

    # Each transfer alone fits the −20 h floor; the third does not after the first two.
    with pytest.raises(InsufficientFunds):
        services.transactions_post_batch(
            transfers=[transfer(a, b, "10"), transfer(a, c, "9"), transfer(a, b, "1.5")], actor=None
        )
    world = services.system_account(Account.SystemCode.WORLD, "HRS")
    with pytest.raises(LimitExceeded):  # the 100 h ceiling, reached by the second transfer only
        services.transactions_post_batch(transfers=[transfer(world, c, "99"), transfer(world, c, "1.01")], actor=None)

    assert ledger_state() == before


@pytest.mark.django_db
def test_a_batch_refuses_what_transfer_create_refuses_and_posts_nothing(trio, make_member):
    a, b, _ = trio
    ach = account_of(make_member(), "ACH")
    expired = make_member()
    expired.membership_expires_on = None
    expired.save(update_fields=["membership_expires_on"])
    before = ledger_state()

    with pytest.raises(SameAccount):
        services.transactions_post_batch(transfers=[transfer(a, b, "1"), transfer(a, a, "1")], actor=None)
    with pytest.raises(UnitMismatch):
        services.transactions_post_batch(transfers=[transfer(a, ach, "1")], actor=None)
    with pytest.raises(MembershipExpired):
        services.transactions_post_batch(transfers=[transfer(account_of(expired, "HRS"), b, "1")], actor=None)
    with pytest.raises(IdempotencyKeyReused):
        services.transactions_post_batch(transfers=[transfer(a, b, "1", "k"), transfer(b, a, "1", "k")], actor=None)

    assert ledger_state() == before


@pytest.mark.django_db
def test_a_replayed_batch_answers_with_the_first_transactions_and_posts_nothing(trio):
    a, b, c = trio
    batch = [transfer(a, b, "1", "batch-1"), transfer(b, c, "2", "batch-2")]
    first = services.transactions_post_batch(transfers=batch, actor=None)
    before = ledger_state()

    replay = services.transactions_post_batch(transfers=batch, actor=None)

    assert [txn.pk for txn in replay] == [txn.pk for txn in first]
    assert ledger_state() == before
    # A key posted by transfer_create answers a batch with the same transfer, and the other way round.
    single = services.transfer_create(from_account=c, to_account=a, amount=hrs("3"), actor=None, idempotency_key="one")
    assert services.transactions_post_batch(transfers=[transfer(c, a, "3", "one")], actor=None)[0].pk == single.pk
    again = services.transfer_create(
        from_account=a, to_account=b, amount=hrs("1"), actor=None, idempotency_key="batch-1"
    )
    assert again.pk == first[0].pk


@pytest.mark.django_db
def test_a_batch_reusing_a_key_for_another_transfer_is_refused_whole(trio):
    a, b, c = trio
    services.transactions_post_batch(transfers=[transfer(a, b, "1", "used")], actor=None)
    before = ledger_state()

    with pytest.raises(IdempotencyKeyReused):
        services.transactions_post_batch(
            transfers=[transfer(b, c, "1", "fresh"), transfer(a, b, "2", "used")], actor=None
        )

    assert ledger_state() == before
    assert not Transaction.objects.filter(idempotency_key="fresh").exists()


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_committed_batch_passes_the_deferred_triggers_and_verifies(trio):
    a, b, c = trio
    services.transactions_post_batch(
        transfers=[transfer(a, b, "0.3"), transfer(b, c, "0.2"), transfer(c, a, "0.1")] * 50, actor=None
    )

    for account in trio:
        account.refresh_from_db()
    assert (a.balance, b.balance, c.balance) == (-1000, 500, 500)
    assert Transaction.objects.count() == 150
    assert verify_ledger().discrepancies == []


@pytest.mark.django_db
def test_a_batch_stores_memos_and_keys_exactly_whatever_characters_they_hold(trio):
    a, b, _ = trio
    texts = ["a,b", "{x}", "NULL", 'quo"te', "back\\slash", " spaced ", "", "é€ 😀", '\\"', "tab\tline\n"]
    batch = [
        services.BatchTransfer(
            from_account_id=a.pk, to_account_id=b.pk, amount=hrs("0.01"), memo=text, idempotency_key=f"k {text}"
        )
        for text in texts
    ]

    posted = services.transactions_post_batch(transfers=batch, actor=None)

    stored = list(
        Transaction.objects.filter(pk__in=[t.pk for t in posted]).order_by("id").values_list("memo", "idempotency_key")
    )
    assert stored == [(text, f"k {text}") for text in texts]
    assert [(t.memo, t.idempotency_key) for t in posted] == stored
    # The replay finds every one of them again by its key, and posts nothing.
    before = ledger_state()
    assert [t.pk for t in services.transactions_post_batch(transfers=batch, actor=None)] == [t.pk for t in posted]
    assert ledger_state() == before


@requires_postgresql()
@pytest.mark.django_db
def test_a_batch_is_three_statements_on_postgresql_lock_membership_then_one_write(trio):
    a, b, c = trio
    batch = [transfer(a, b, "1", "s-1"), transfer(b, c, "2", "s-2"), transfer(c, a, "0.5", None)]

    with CaptureQueriesContext(connection) as queries:
        posted = services.transactions_post_batch(transfers=batch, actor=None)

    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 3
    assert "FOR NO KEY UPDATE" in statements[0] and "members_member" in statements[1]
    assert statements[2].lstrip().startswith("WITH ids AS")
    assert [t.pk for t in posted] == sorted(t.pk for t in posted)
    assert list(
        Entry.objects.filter(transaction__in=posted).order_by("id").values_list("transaction_id", "amount")
    ) == [
        (posted[0].pk, -100),
        (posted[0].pk, 100),
        (posted[1].pk, -200),
        (posted[1].pk, 200),
        (posted[2].pk, -50),
        (posted[2].pk, 50),
    ]


# --- the posting path: fewer round trips -------------------------------------------------------


@requires_postgresql()
@pytest.mark.django_db
def test_a_transfer_is_two_statements_on_postgresql_lock_with_key_then_one_write(trio):
    a, b, _ = trio
    services.transfer_create(from_account=a, to_account=b, amount=hrs("1"), actor=None, idempotency_key="warm")

    with CaptureQueriesContext(connection) as queries:
        txn = services.transfer_create(from_account=a, to_account=b, amount=hrs("2"), actor=None, idempotency_key="q")

    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 2
    assert "FOR NO KEY UPDATE" in statements[0] and "idempotency_key" in statements[0]
    assert statements[1].lstrip().startswith("WITH txn AS")
    a.refresh_from_db()
    assert a.balance == -300
    assert list(txn.entries.values_list("amount", "balance_after")) == [(-200, -300), (200, 300)]


@pytest.mark.django_db
def test_a_replay_answers_even_when_the_payment_would_no_longer_fit(trio):
    a, b, c = trio
    first = services.transfer_create(from_account=a, to_account=b, amount=hrs("15"), actor=None, idempotency_key="p")
    services.transfer_create(from_account=a, to_account=c, amount=hrs("5"), actor=None)  # a is now at its floor
    before = ledger_state()

    replay = services.transfer_create(from_account=a, to_account=b, amount=hrs("15"), actor=None, idempotency_key="p")

    assert replay.pk == first.pk
    assert ledger_state() == before


# --- the command --------------------------------------------------------------------------------


def test_the_benchmark_refuses_a_production_configuration_without_the_flag(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--allow-production"):
        call_command("ledger_bench", "--quick")


def test_the_benchmark_refuses_to_reuse_a_bench_database_left_behind(tmp_path, settings):
    settings.DATABASES = {**settings.DATABASES}
    settings.DATABASES["default"] = {
        **settings.DATABASES["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "ledger.sqlite3"),
    }
    left = tmp_path / "ledger_bench.sqlite3"
    left.write_bytes(b"earlier run")

    with pytest.raises(CommandError, match="--recreate"):
        call_command("ledger_bench", "--quick", "--allow-production")  # tests run with DEBUG off

    assert left.read_bytes() == b"earlier run"


def run_quick(database_url: str, output: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "true"}
    done = subprocess.run(
        [sys.executable, "manage.py", "ledger_bench", "--quick", "--output", str(output)],
        cwd=str(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(output.read_text())


def assert_complete(report: dict, *, floor: bool) -> None:
    for workload in WORKLOADS:
        assert workload in report, workload
    assert (report["floor"] is not None) is floor
    assert report["single"]["workers_1"]["transfers"] > 0
    assert report["single"]["workers_8"]["transfers"] > 0
    assert report["hot"]["workers_8"]["transfers"] > 0
    assert report["batch"]["transfers"] == 200
    assert report["http"]["max"]["statuses"].get("201", 0) > 0
    assert set(report["http"]["max"]["statuses"]) == {"201"}
    assert sorted(report["reads"], key=int) == ["10", "100", "1000"]
    assert [report["reads"][size]["entries"] for size in ("10", "100", "1000")] == [10, 100, 1000]
    runs = report["verify"]["runs"]
    assert runs and all(run["ok"] and run["discrepancies"] == [] for run in runs)
    assert report["verified_clean"] is True
    assert runs[-1]["transactions"] >= 3000
    assert {target["name"] for target in report["targets"]} >= {"hot account, 8 workers", "batch posting"}
    assert report["profile"]["queries_per_transfer"] > 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite run of the benchmark")
def test_the_quick_benchmark_runs_on_sqlite_without_a_floor_and_leaves_nothing_behind(tmp_path):
    report = run_quick(f"sqlite:///{tmp_path / 'ledger.sqlite3'}", tmp_path / "bench.json")

    assert_complete(report, floor=False)
    assert any("PostgreSQL-only" in note for note in report["meta"]["notes"])
    assert not (tmp_path / "ledger_bench.sqlite3").exists()
    assert not (tmp_path / "ledger.sqlite3").exists()  # the configured database was never even created


@requires_postgresql()
def test_the_quick_benchmark_runs_on_postgresql_with_its_floor_and_drops_its_database(tmp_path):
    db = connection.settings_dict
    name = f"{db['NAME']}_cmd"
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    report = run_quick(url, tmp_path / "bench.json")

    assert_complete(report, floor=True)
    assert report["floor"]["workers_1"]["transfers"] > 0
    assert report["meta"]["bench_database"] == f"{name}{database.SUFFIX}"
    assert report["ratios"]["single_1_vs_floor_1"] is not None
    assert report["pgbench"] is None or report["pgbench"]["workers_1"]["per_second"] > 0  # None: no pgbench here
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres") as admin:
        names = {row[0] for row in admin.execute("SELECT datname FROM pg_database").fetchall()}
    assert f"{name}{database.SUFFIX}" not in names
    assert name not in names


# --- the territory --------------------------------------------------------------------------------

TERRITORY_SIZES = {
    "members": 300,
    "funded": 120,
    "listings": 200,
    "pledges": 40,
    "bookings": 400,
    "fec-transactions": 2000,
}
TERRITORY_JOBS = (
    "marketplace search q=vélo (page + count)",
    "marketplace search q=vélo + price (page + count)",
    "campaign_close (40 pledges)",
    "demurrage_apply (",
    "fec_write (",
    "dashboard (member)",
    "campaign page (40 pledges)",
    "marketplace q=vélo",
    "/me/bookings/",
    "place page",
    "place management (manager)",
    "audit trial balance (auditor)",
    "POST /api/transfers/ on gunicorn",
)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite run of the territory")
def test_the_quick_territory_builds_exactly_what_was_asked_and_judges_every_job(tmp_path, django_db_setup):
    # A copy of the migrated test database: the bench need not migrate (most of a quick run on SQLite).
    template = connection.settings_dict["NAME"]
    output = tmp_path / "territory.json"
    sizes = [arg for key, value in TERRITORY_SIZES.items() for arg in (f"--{key}", str(value))]
    done = subprocess.run(
        [
            *(sys.executable, "manage.py", "ledger_bench", "--territory", "--quick", *sizes),
            *("--page-seconds", "0.5", "--skip", "demo", "--template-database", template, "--output", str(output)),
        ],
        cwd=str(settings.BASE_DIR),
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}", "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(output.read_text())

    assert report["territory"]["counts"] == {
        "members": 300,
        "member_accounts": 300,
        "funded_accounts": 120,
        "listings": 200,
        "listings_velo": 10,  # one listing in twenty
        "pledges": 40,
        "pending_holds": 40,
        "bookings": 400,
        "fec_transactions": 2000,
    }
    targets = {target["name"]: target for target in report["targets"]}
    for job in TERRITORY_JOBS:
        found = [target for name, target in targets.items() if name.startswith(job)]
        assert found, job
        assert all(target["target"] and target["passed"] in (True, False) for target in found), found
    assert report["campaign_close"]["settled"] == 40
    assert report["campaign_close"]["status"] == "paid_out"
    assert report["demurrage"]["charged"] >= 120  # every funded account is above the exemption
    assert report["fec"]["transactions"] >= 2000 and report["fec"]["lines"] > 4000
    assert report["search"]["q_velo"]["found"] == 10
    assert {page["status"] for page in report["pages"]["queries"].values()} == {200}
    assert set(report["transfers"]["max"]["statuses"]) == {"201"}
    assert len(report["meta"]["load_average_start"]) == len(report["meta"]["load_average_end"]) == 3
    assert not (tmp_path / "ledger_bench.sqlite3").exists()


class _PageServer:
    """A loopback HTTP server answering 200 to every GET, counting the paths it was asked for."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        asked: list[str] = []
        self.asked = asked

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn's gthread workers

            def do_GET(self) -> None:  # the stdlib's name
                asked.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _PageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_paced_page_run_asks_for_each_scheduled_page_once_and_counts_from_its_schedule():
    from bench.http import PageSpec, drive_pages

    targets = [("a", "/a/", "sessionid=x"), ("b", "/b/", "sessionid=y")]
    with _PageServer() as server:
        paced = drive_pages(PageSpec(port=server.port, targets=targets, seconds=0.5, connections=2, rate=40))

    # 40 pages/s for half a second over 4 clients (2 processes × 2): 20 scheduled times, whatever the
    # server's speed; each client walks the pages in turn from its own starting point.
    assert sorted(server.asked) == ["/a/"] * 10 + ["/b/"] * 10
    assert (paced["clients"], paced["requests"], paced["target_rate"]) == (4, 20, 40)
    assert {label: page["statuses"] for label, page in paced["pages"].items()} == {"a": {"200": 10}, "b": {"200": 10}}
    assert all(page["p50_ms"] <= page["p99_ms"] for page in paced["pages"].values())


def test_the_territory_report_shows_the_paced_pages_beside_the_closed_loop():
    from bench import report

    def page_run(per_second: float, p99: float, rate: float | None) -> dict:
        page = {"requests": 10, "statuses": {"200": 10}, "p50_ms": p99 / 2, "p99_ms": p99}
        return {"clients": 8, "per_second": per_second, "target_rate": rate, "pages": {"dashboard (member)": page}}

    results = {
        "territory": {"counts": {"members": 1}},
        "pages": {
            "queries": {"dashboard (member)": {"status": 200, "queries": 9}},
            "http": page_run(80.0, 120.0, None),
            "half": page_run(40.0, 30.0, 40.0),
        },
    }
    [verdict] = [v for v in report.territory_verdicts(results) if v.name == "dashboard (member)"]
    assert (verdict.measured, verdict.passed) == ("p50 60.0 ms, p99 120.0 ms; at half rate p99 30.0 ms", False)
    # Paced, the slowest page is judged too (the API's reading of its latency target).
    [paced] = [v for v in report.territory_verdicts(results) if v.name.startswith("every page, paced")]
    assert (paced.name, paced.measured, paced.passed) == (
        "every page, paced at half rate (40/s)",
        "dashboard (member): p99 30.0 ms",
        True,
    )
    results["pages"]["half"]["pages"]["trial balance (auditor)"] = {
        "requests": 10,
        "statuses": {"200": 10},
        "p50_ms": 40.0,
        "p99_ms": 61.0,
    }
    [paced] = [v for v in report.territory_verdicts(results) if v.name.startswith("every page, paced")]
    assert (paced.measured, paced.passed) == ("trial balance (auditor): p99 61.0 ms", False)
    table = "\n".join(report.territory_table(results))
    assert "pages: 8 clients, closed loop 80 pages/s, paced at 40/s" in table
    [row] = [line for line in table.splitlines() if line.startswith("dashboard (member) ")][:1]
    assert row.split()[2:] == ["60.0", "120.0", "15.0", "30.0", "9"]
