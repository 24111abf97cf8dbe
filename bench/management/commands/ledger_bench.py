"""`python manage.py ledger_bench`: the ledger's throughput and latency against the psycopg floor.

Runs in its own database beside the configured one (see bench.database), prints a table
and writes a JSON file. PostgreSQL is what counts; on SQLite it runs reduced and has no floor.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, connections
from django.utils import timezone

from bench import database, measure, report
from bench import territory as territory_mod
from bench.http import HttpSpec, PageSpec, Server, drive, drive_pages
from bench.population import populate
from bench.workers import RunSpec, floor_worker, run_parallel, single_worker

FULL = {
    "accounts": 1000,
    "seconds": 10.0,
    "workers": 8,
    "batch_size": 1000,
    "batch_calls": 20,
    "http_seconds": 15.0,
    "http_workers": 4,
    "http_threads": 2,
    "http_connections": 8,
    "read_sizes": "100,10000,1000000",
    "verify_sizes": "100000,1000000",
    "read_repeat": 200,
}
QUICK = {
    "accounts": 50,
    "seconds": 1.0,
    "workers": 8,
    "batch_size": 100,
    "batch_calls": 2,
    "http_seconds": 2.0,
    "http_workers": 2,
    "http_threads": 2,
    "http_connections": 2,
    "read_sizes": "10,100,1000",
    "verify_sizes": "1500,3000",
    "read_repeat": 20,
}
# SQLite runs, but reduced: a million-entry history through the batch path would take minutes.
SQLITE_READ_CAP = 100_000
WORKLOADS = ("floor", "single", "hot", "batch", "http", "reads", "verify", "pgbench", "hordak")
# django-hordak is not a dependency: it is measured only under an interpreter that has it.
HORDAK_PYTHON_ENV = "BOCAGE_BENCH_HORDAK_PYTHON"
TERRITORY_JOBS = ("search", "pages", "transfers", "demurrage", "close", "fec", "demo")
TERRITORY_SIZES = ("members", "funded", "listings", "pledges", "bookings", "fec_transactions", "page_seconds")


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def hordak_python(options: dict[str, Any]) -> str | None:
    """The interpreter that has django-hordak: --hordak-python, else $BOCAGE_BENCH_HORDAK_PYTHON, else none."""
    return options.get("hordak_python") or os.environ.get(HORDAK_PYTHON_ENV) or None


def _vacuum_and_checkpoint(tables: str = "", *, checkpoint: bool = True) -> bool:
    """PostgreSQL: VACUUM ANALYZE `tables` (the whole database if none), then CHECKPOINT unless told
    not to, as pgbench does before a run. Whether a CHECKPOINT was made: False if not asked or
    refused (neither superuser nor pg_checkpoint)."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {tables}".strip())
        if not checkpoint:
            return False
        try:
            cursor.execute("CHECKPOINT")
        except DatabaseError:
            return False
    return True


def _half_rate(run: dict[str, Any]) -> float:
    """The paced run's rate: half the closed loop's, at least one request a second."""
    return max(run["per_second"] / 2, 1.0)


class Command(BaseCommand):
    help = (
        "Benchmark the ledger in a separate database (<name>_bench): the psycopg floor, transfer_create with 1 "
        "and 8 worker processes, a hot account, batch posting, HTTP through gunicorn, balance and statement "
        "reads at 100 to 1,000,000 entries, verify_ledger. Prints a table, writes JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quick", action="store_true", help="Small sizes: a smoke run for CI (seconds).")
        parser.add_argument("--output", help="JSON path (default var/bench/ledger_bench-<timestamp>.json).")
        parser.add_argument("--keep", action="store_true", help="Keep the bench database afterwards.")
        parser.add_argument("--recreate", action="store_true", help="Drop a bench database left by an earlier run.")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run although DEBUG is off. The bench only writes its own database, but it loads the server.",
        )
        parser.add_argument(
            "--skip",
            default="",
            help=f"Comma-separated workloads to skip: {', '.join(WORKLOADS)}; with --territory: "
            f"{', '.join(TERRITORY_JOBS)}.",
        )
        parser.add_argument(
            "--territory",
            action="store_true",
            help="Build a whole territory (members, listings, a campaign's pledges, bookings, a year for the FEC) "
            "and time the jobs it makes slow: search, campaign close, demurrage, FEC, pages, API transfers.",
        )
        parser.add_argument("--members", type=int, help="Territory: members with a local-currency account.")
        parser.add_argument("--funded", type=int, help="Territory: accounts with a balance (demurrage charges each).")
        parser.add_argument("--listings", type=int, help="Territory: marketplace listings.")
        parser.add_argument("--pledges", type=int, help="Territory: pledges of the one campaign.")
        parser.add_argument("--bookings", type=int, help="Territory: past bookings.")
        parser.add_argument("--fec-transactions", type=int, help="Territory: transactions of the year for the FEC.")
        parser.add_argument("--page-seconds", type=float, help="Territory: duration of the page load run.")
        parser.add_argument(
            "--template-database",
            help="SQLite only: start from a copy of this migrated database instead of migrating (for tests).",
        )
        parser.add_argument("--accounts", type=int)
        parser.add_argument("--seconds", type=float, help="Duration of each timed posting run.")
        parser.add_argument("--workers", type=int, help="Worker processes of the concurrent runs (default 8).")
        parser.add_argument("--batch-size", type=int)
        parser.add_argument("--batch-calls", type=int)
        parser.add_argument("--http-seconds", type=float)
        parser.add_argument("--http-workers", type=int, help="gunicorn workers (default 4).")
        parser.add_argument("--http-threads", type=int, help="Threads of each gunicorn worker (gthread; default 2).")
        parser.add_argument("--http-connections", type=int, help="Keep-alive connections per generator process.")
        parser.add_argument("--read-sizes", help="Entries of the read accounts, e.g. 100,10000,1000000.")
        parser.add_argument("--verify-sizes", help="Ledger sizes (transactions) at which verify_ledger runs.")
        parser.add_argument("--read-repeat", type=int)
        parser.add_argument(
            "--hordak-python",
            help="An interpreter with django-hordak and psycopg installed: its transfer_to is timed right after "
            f"pgbench, in its own database on the same server (default: ${HORDAK_PYTHON_ENV}; none: not measured).",
        )
        parser.add_argument(
            "--profile-http",
            action="store_true",
            help="Run the HTTP workload's gunicorn workers under cProfile (bench.profiled_wsgi): the figures drop, "
            "the JSON gains where each worker's CPU went.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG is off: this looks like a production configuration. The benchmark writes only its own "
                "database (<name>_bench), but it loads the database server for minutes; pass --allow-production "
                "to run it anyway."
            )
        # As in production: no query log (DEBUG keeps every query in memory and slows each one).
        # CaptureQueriesContext, used for the query counts, logs regardless.
        settings.DEBUG = False
        territory = bool(options["territory"])
        sizes: dict[str, Any]
        if territory:
            sizes = dict(territory_mod.QUICK if options["quick"] else territory_mod.FULL)
            sizes["http_seconds"] = QUICK["http_seconds"] if options["quick"] else FULL["http_seconds"]
            sizes["http_workers"] = FULL["http_workers"]
            sizes["http_threads"] = FULL["http_threads"]
            sizes["http_connections"] = FULL["http_connections"]
        else:
            sizes = dict(QUICK if options["quick"] else FULL)
        for key in sizes:
            if options.get(key) is not None:
                sizes[key] = options[key]
        skip = {part.strip() for part in options["skip"].split(",") if part.strip()}
        known = set(TERRITORY_JOBS) if territory else set(WORKLOADS)
        if skip - known:
            raise CommandError(f"unknown workloads to skip: {', '.join(sorted(skip - known))}")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        output = Path(options["output"] or settings.BASE_DIR / "var" / "bench" / f"ledger_bench-{stamp}.json")

        try:
            bench = database.bench_database_for()
            database.create(bench, recreate=options["recreate"])
            if options["template_database"]:
                database.clone_sqlite(options["template_database"], bench)
        except database.BenchRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"ledger_bench: bench database {bench.name} ({bench.vendor}); the configured one is untouched"
        )
        try:
            database.point_django_at(bench)
            database.migrate()
            if territory:
                results = self._territory(bench, sizes, skip, options["quick"])
            else:
                self.profile_http = bool(options["profile_http"])
                self.hordak_python = hordak_python(options)
                results = self._run(bench, sizes, skip, options["quick"])
        finally:
            connections.close_all()
            if not options["keep"]:
                database.drop(bench)
        results["meta"]["output"] = str(output)
        measure.write_json(output, results)
        for line in report.territory_table(results) if territory else report.table(results):
            self.stdout.write(line)
        self.stdout.write(f"JSON: {output}")

    def say(self, message: str) -> None:
        self.stderr.write(f"ledger_bench: {message}")
        self.stderr.flush()

    def _run(self, bench: database.BenchDatabase, sizes: dict[str, Any], skip: set[str], quick: bool) -> dict[str, Any]:
        started = time.monotonic()
        read_sizes = _sizes(str(sizes["read_sizes"]))
        verify_sizes = _sizes(str(sizes["verify_sizes"]))
        if not bench.is_postgresql:
            read_sizes = [min(size, SQLITE_READ_CAP) for size in read_sizes]
            verify_sizes = [min(size, SQLITE_READ_CAP) for size in verify_sizes]
        results: dict[str, Any] = {
            "meta": {
                **database.run_meta("ledger_bench", bench, quick=quick, sizes=sizes),
                "skipped": sorted(skip),
                "notes": [],
            }
        }
        notes: list[str] = results["meta"]["notes"]
        self.say(f"populating {sizes['accounts']} accounts")
        population = populate(accounts=int(sizes["accounts"]), read_sizes=read_sizes)
        results["profile"] = measure.profile_posting(population, transfers=20 if quick else 300)
        seconds, workers = float(sizes["seconds"]), int(sizes["workers"])
        spread = RunSpec(population.account_ids, None, seconds, population.actor_id, bench.conninfo)
        hot = RunSpec(population.account_ids, population.hot_account_id, seconds, population.actor_id, bench.conninfo)

        settle = self._settler(bench.is_postgresql, notes)
        # Each Django figure is measured right after the floor it is compared with (same worker
        # count, same accounts), both after a settle: the ratios do not depend on the machine
        # changing pace between the beginning and the end of the run.
        floor_on = "floor" not in skip and bench.is_postgresql
        if "floor" not in skip and not bench.is_postgresql:
            notes.append("The floor (psycopg, plain SQL) is PostgreSQL-only: no ratios on SQLite.")
        floor: dict[str, Any] = {}
        single: dict[str, Any] = {}
        hot_run: dict[str, Any] = {}
        plan = [("workers_1", spread, 1, "single"), (f"workers_{workers}", spread, workers, "single")]
        plan.append((f"hot_{workers}", hot, workers, "hot"))
        for key, spec, count, workload in plan:
            if floor_on:
                self.say(f"floor: {key.replace('_', ' ')}")
                settle()
                floor[key] = run_parallel(floor_worker, spec, count).as_dict()
            if workload not in skip:
                self.say(f"transfer_create: {key.replace('_', ' ')}")
                settle()
                result = run_parallel(single_worker, spec, count).as_dict()
                if workload == "hot":
                    hot_run[f"workers_{workers}"] = result
                else:
                    single[key] = result
        if "pgbench" not in skip and bench.is_postgresql:
            self.say("pgbench (TPC-B-like, its own tables in the bench database)")
            settle()
            results["pgbench"] = measure.pgbench(bench.conninfo, seconds=seconds, workers=workers)
        results["hordak"] = self._hordak(
            bench,
            getattr(self, "hordak_python", None),
            skip=skip,
            settle=settle,
            seconds=seconds,
            workers=workers,
            accounts=int(sizes["accounts"]),
        )
        results["floor"] = floor or None
        if "single" not in skip:
            results["single"] = single
        if "hot" not in skip:
            results["hot"] = hot_run
        if "batch" not in skip:
            self.say("transactions_post_batch")
            settle()
            results["batch"] = measure.batch_rate(
                population, calls=int(sizes["batch_calls"]), size=int(sizes["batch_size"])
            )
        if "http" not in skip:
            settle()
            results["http"] = self._http(population, sizes)
        if "reads" not in skip or "verify" not in skip:
            results.update(self._history(population, read_sizes, verify_sizes, sizes, skip))
        final = measure.verify_in_child() if "verify" in skip else results["verify"]["runs"][-1]
        results["verified_clean"] = bool(final["ok"])
        results["ratios"] = report.ratios(results)
        results["targets"] = [verdict.as_dict() for verdict in report.verdicts(results)]
        results["meta"]["seconds"] = round(time.monotonic() - started, 1)
        results["meta"]["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
        notes.append("Timings are of this machine at this moment; compare each figure with the floor of the same run.")
        if bench.is_postgresql:
            notes.append(
                "The floor runs with psycopg's defaults, prepared statements after 5 executions; Django turns them "
                "off (prepare_threshold=None, for connection poolers), so every Django statement is planned anew."
            )
            notes.append(
                "Long histories are loaded with INSERT … SELECT generate_series, triggers off for the load only "
                "(superuser; otherwise through transactions_post_batch); the verify_ledger runs check every row."
            )
        return results

    def _hordak(
        self,
        bench: database.BenchDatabase,
        python: str | None,
        *,
        skip: set[str],
        settle: Callable[[], None],
        seconds: float,
        workers: int,
        accounts: int,
    ) -> dict[str, Any] | None:
        """django-hordak's transfer_to beside the floor and pgbench of the same run (bench/hordak.py under
        `python`); None when not asked for, skipped, or on SQLite. A failure is reported, not raised."""
        if "hordak" in skip or not bench.is_postgresql or not python:
            return None
        self.say(f"django-hordak transfer_to ({python}; its own database beside the bench database)")
        settle()
        connections.close_all()
        result = measure.hordak(python, bench.url, seconds=seconds, workers=workers, accounts=accounts)
        if "error" in result:
            self.say(f"django-hordak failed ({result['error']}): its stderr is in the JSON; the bench goes on")
        return result

    def _settler(self, is_postgresql: bool, notes: list[str]) -> Callable[[], None]:
        """Before each posting workload, as pgbench does: VACUUM ANALYZE the ledger tables (the
        workload before left thousands of dead account versions) and CHECKPOINT (so that no
        checkpoint's writes land in the middle of a timed run). Without the right to CHECKPOINT,
        only the VACUUM."""
        if not is_postgresql:
            return lambda: None
        state = {"checkpoint": True}

        def settle() -> None:
            tables = "ledger_account, ledger_entry, ledger_transaction, ledger_hold, members_member"
            done = _vacuum_and_checkpoint(tables, checkpoint=state["checkpoint"])
            if state["checkpoint"] and not done:
                state["checkpoint"] = False
                notes.append("CHECKPOINT refused (not superuser nor pg_checkpoint): runs may include one.")

        notes.append("Each posting workload starts after VACUUM ANALYZE of the ledger tables and a CHECKPOINT.")
        return settle

    def _http(self, population: Any, sizes: dict[str, Any]) -> dict[str, Any]:
        http_workers, threads = int(sizes["http_workers"]), int(sizes["http_threads"])
        self.say(f"HTTP: gunicorn with {http_workers} workers × {threads} threads")
        connections.close_all()
        log_dir = Path(settings.BASE_DIR) / "var" / "bench"
        profile_dir = log_dir / f"profile-{os.getpid()}"
        profiled = getattr(self, "profile_http", False)
        server = Server(
            workers=http_workers,
            threads=threads,
            log_dir=log_dir,
            app="bench.profiled_wsgi:application" if profiled else "config.wsgi:application",
            extra_env={"BOCAGE_BENCH_PROFILE_DIR": str(profile_dir)} if profiled else None,
        )
        try:
            spec = HttpSpec(
                port=server.port,
                token=population.token,
                account_ids=population.account_ids,
                seconds=float(sizes["http_seconds"]),
                connections=int(sizes["http_connections"]),
            )
            drive(HttpSpec(**{**spec.__dict__, "seconds": min(2.0, spec.seconds)}))  # warm the workers
            maximum = drive(spec)
            half_rate = _half_rate(maximum)
            self.say(f"HTTP: {maximum['per_second']:.0f}/s closed loop; now paced at {half_rate:.0f}/s")
            half = drive(HttpSpec(**{**spec.__dict__, "rate": half_rate}))
        finally:
            server.stop()
        out = {
            "server": {"workers": http_workers, "worker_class": "gthread", "threads": threads},
            "max": maximum,
            "half": half,
        }
        if profiled:
            out["profile"] = measure.profile_summary(profile_dir)
        return out

    def _history(
        self,
        population: Any,
        read_sizes: list[int],
        verify_sizes: list[int],
        sizes: dict[str, Any],
        skip: set[str],
    ) -> dict[str, Any]:
        """Load the read accounts' histories, verifying the ledger at each verify size on the way."""
        loads: list[dict[str, Any]] = []
        runs: list[dict[str, Any]] = []
        accounts = [population.read_account_ids[str(size)] for size in read_sizes]
        loaded = dict.fromkeys(accounts, 0)
        pending = sorted(zip(read_sizes, accounts, strict=True))
        *small, (largest_size, largest_account) = pending
        for size, account_id in small:
            self.say(f"loading {size:,} entries")
            loads.append({"account": account_id, **measure.load_entries(population, account_id, size)})
            loaded[account_id] = size

        def verify() -> None:
            if "verify" in skip:
                return
            seal = measure.seal_everything()
            self.say(f"verify_ledger over {measure.transaction_count():,} transactions (child process)")
            runs.append({**measure.verify_in_child(), "sealing_seconds": seal["seconds"]})

        for target in sorted(verify_sizes):
            missing = min(target - measure.transaction_count(), largest_size - loaded[largest_account])
            if missing > 0:
                self.say(f"loading {missing:,} entries")
                loads.append({"account": largest_account, **measure.load_entries(population, largest_account, missing)})
                loaded[largest_account] += missing
            padding = target - measure.transaction_count()
            if padding > 0:
                self.say(f"loading {padding:,} more transactions")
                pad = population.pad_account_id
                loads.append({"account": pad, **measure.load_entries(population, pad, padding)})
            if not runs or runs[-1]["transactions"] != measure.transaction_count():
                verify()
        rest = largest_size - loaded[largest_account]
        if rest > 0:
            self.say(f"loading {rest:,} entries")
            loads.append({"account": largest_account, **measure.load_entries(population, largest_account, rest)})
            verify()
        out: dict[str, Any] = {"loads": loads}
        if "reads" not in skip:
            self.say("reads: balance and statement pages")
            out["reads"] = measure.reads(population, repeat=int(sizes["read_repeat"]))
        if "verify" not in skip:
            out["verify"] = {"runs": runs}
        return out

    # --- the territory ------------------------------------------------------------------------------

    def _meta(
        self, bench: database.BenchDatabase, sizes: dict[str, Any], skip: set[str], quick: bool
    ) -> dict[str, Any]:
        return {
            **database.run_meta("ledger_bench", bench, quick=quick, sizes=sizes),
            "mode": "territory",
            "skipped": sorted(skip),
            "notes": [],
        }

    def _territory(
        self, bench: database.BenchDatabase, sizes: dict[str, Any], skip: set[str], quick: bool
    ) -> dict[str, Any]:
        started = time.monotonic()
        results: dict[str, Any] = {"meta": self._meta(bench, sizes, skip, quick)}
        notes: list[str] = results["meta"]["notes"]
        built = territory_mod.populate(sizes, say=self.say)
        results["territory"] = {"counts": built.counts, "load_seconds": built.seconds}
        notes.extend(built.notes)
        if "search" not in skip:
            self.say("marketplace search")
            results["search"] = territory_mod.search_timings(repeat=int(sizes["search_repeat"]))
        pages = [] if "pages" in skip else territory_mod.territory_pages(built)
        served = self._serve(pages, sizes, transfers="transfers" not in skip, quick=quick)
        if served["settled"]:
            notes.append(served["settled"])
        if pages:
            results["pages"] = served["pages"]
        if "transfers" not in skip:
            results["transfers"] = served["transfers"]
        if "demurrage" not in skip:
            self.say("demurrage_apply")
            results["demurrage"] = territory_mod.demurrage_timing()
        if "close" not in skip:
            self.say("campaign_close")
            results["campaign_close"] = territory_mod.campaign_close_timing(built)
        if "fec" not in skip:
            self.say("fec_write (child process)")
            results["fec"] = territory_mod.fec_timing()
        if "demo" not in skip and "pages" not in skip:
            try:
                results["demo_pages"] = self._demo_pages(bench, sizes, quick)
            except Exception as exc:  # the territory's figures are kept; the JSON says what failed
                notes.append(f"demo pages failed: {exc!r}")
                self.say(f"demo pages failed: {exc!r}")
        results["meta"]["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
        results["targets"] = [verdict.as_dict() for verdict in report.territory_verdicts(results)]
        results["meta"]["seconds"] = round(time.monotonic() - started, 1)
        notes.append(
            "Pages: closed loop, each client asks for the pages in turn with its role's session cookie; gunicorn "
            f"{sizes['http_workers']} gthread workers × {sizes['http_threads']} threads, DEBUG off, the second "
            "factor not asked (BOCAGE_OTP_REQUIRED=false: the sessions are made by force_login)."
        )
        notes.append("Timings are of this machine at this moment: see the load averages at start and end.")
        return results

    def _collectstatic(self) -> None:
        """The pages run with DEBUG off: whitenoise's manifest must exist (STATIC_ROOT) and be newer
        than every static file of the project."""
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if manifest.exists():
            made = manifest.stat().st_mtime
            sources = [Path(directory) for directory in settings.STATICFILES_DIRS]
            if all(path.stat().st_mtime <= made for source in sources for path in source.rglob("*")):
                return
        env = {**os.environ, "DEBUG": "false", "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": "localhost"}
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=str(settings.BASE_DIR),
            env=env,
            check=True,
            capture_output=True,
        )

    def _serve(
        self, pages: list[territory_mod.Page], sizes: dict[str, Any], *, transfers: bool, quick: bool
    ) -> dict[str, Any]:
        """The pages (8 clients) and POST /api/transfers/ through one gunicorn on the bench database."""
        out: dict[str, Any] = {"pages": None, "transfers": None, "settled": None}
        if not pages and not transfers:
            return out
        targets: list[tuple[str, str, str]] = []
        queries: dict[str, Any] = {}
        if pages:
            self._collectstatic()
            queries = territory_mod.page_queries(pages)
            cookies = territory_mod.sessions(pages)
            name = settings.SESSION_COOKIE_NAME
            targets = [(page.label, page.path, f"{name}={cookies[page.user_id]}") for page in pages]
        population = populate(accounts=int(sizes["transfer_accounts"]), read_sizes=[]) if transfers else None
        out["settled"] = self._settle_database()
        http_workers = 2 if quick else int(sizes["http_workers"])
        threads = int(sizes["http_threads"])
        self.say(f"gunicorn with {http_workers} workers × {threads} threads: pages and POST /api/transfers/")
        connections.close_all()
        server = Server(
            workers=http_workers,
            threads=threads,
            log_dir=Path(settings.BASE_DIR) / "var" / "bench",
            extra_env={"BOCAGE_OTP_REQUIRED": "false"},
        )
        try:
            if targets:
                seconds = float(sizes["page_seconds"])
                spec = PageSpec(port=server.port, targets=targets, seconds=min(2.0, seconds), connections=4)
                if not quick:
                    drive_pages(spec)  # warm the workers
                self.say(f"pages: {len(targets)} pages, 8 clients, {seconds:.0f} s")
                closed = drive_pages(PageSpec(**{**spec.__dict__, "seconds": seconds}))
                # The same clients paced at half the closed loop's rate: the latency of a server that is
                # busy but not saturated (in a closed loop a page waits for the 7 others: 8 / rate).
                half = None
                if not quick:
                    rate = _half_rate(closed)
                    self.say(f"pages: {closed['per_second']:.0f}/s closed loop; now paced at {rate:.0f}/s")
                    half = drive_pages(PageSpec(**{**spec.__dict__, "seconds": seconds, "rate": rate}))
                out["pages"] = {"queries": queries, "http": closed, "half": half}
            if population is not None:
                spec_post = HttpSpec(
                    port=server.port,
                    token=population.token,
                    account_ids=population.account_ids,
                    seconds=float(sizes["http_seconds"]),
                    connections=int(sizes["http_connections"]),
                )
                if not quick:
                    drive(HttpSpec(**{**spec_post.__dict__, "seconds": min(2.0, spec_post.seconds)}))
                maximum = drive(spec_post)
                self.say(f"POST /api/transfers/: {maximum['per_second']:.0f}/s")
                half = None
                if not quick:
                    half = drive(HttpSpec(**{**spec_post.__dict__, "rate": _half_rate(maximum)}))
                out["transfers"] = {
                    "server": {"workers": http_workers, "worker_class": "gthread", "threads": threads},
                    "max": maximum,
                    "half": half,
                }
        finally:
            server.stop()
        return out

    def _settle_database(self) -> str | None:
        """Before the pages and the API are served: VACUUM ANALYZE the whole database and CHECKPOINT,
        so that neither autovacuum nor the checkpoint after a bulk load (a million transactions,
        100,000 bookings) runs during the timed requests. What was done, for the JSON's notes."""
        if connection.vendor != "postgresql":
            return None
        self.say("VACUUM ANALYZE and CHECKPOINT before serving")
        if not _vacuum_and_checkpoint():
            return "Served after VACUUM ANALYZE; CHECKPOINT refused (not superuser nor pg_checkpoint)."
        return "Served after VACUUM ANALYZE of the whole database and a CHECKPOINT."

    def _demo_pages(self, bench: database.BenchDatabase, sizes: dict[str, Any], quick: bool) -> dict[str, Any]:
        """The same pages on the demo community, in the bench database made anew."""
        self.say("demo: the bench database anew, seed_demo")
        database.create(bench, recreate=True)
        database.point_django_at(bench)
        database.migrate()
        started = time.monotonic()
        call_command("seed_demo", "--allow-production", stdout=io.StringIO())
        seeded = round(time.monotonic() - started, 1)
        pages = territory_mod.demo_pages()
        served = self._serve(pages, sizes, transfers=False, quick=quick)
        return {**served["pages"], "seed_seconds": seeded, "settled": served["settled"]}
