"""`python manage.py places_bench`: the network of tiers-lieux under load (bench/places.py).

Availability of every resource of a place over 31 days with 100,000 past bookings, the
network-wide search, and booking throughput from 1 and 8 processes. Runs in its own database
beside the configured one (bench.database, as ledger_bench), prints a table and writes JSON.
PostgreSQL is what counts; SQLite runs (reduced: its writers take turns).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone

from bench import database, measure
from bench import places as workloads

FULL = {"places": 50, "bookings": 100_000, "members": 200, "seconds": 10.0, "workers": 8, "repeat": 5}
QUICK = {"places": 3, "bookings": 300, "members": 10, "seconds": 0.5, "workers": 2, "repeat": 1}


class Command(BaseCommand):
    help = (
        "Benchmark the places in a separate database (<name>_bench): availability over 31 days with 100,000 past "
        "bookings, the network-wide search, booking throughput with 1 and 8 processes. Prints a table, writes JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quick", action="store_true", help="Small sizes: a smoke run for CI (seconds).")
        parser.add_argument("--output", help="JSON path (default var/bench/places_bench-<timestamp>.json).")
        parser.add_argument("--keep", action="store_true", help="Keep the bench database afterwards.")
        parser.add_argument("--recreate", action="store_true", help="Drop a bench database left by an earlier run.")
        parser.add_argument("--allow-production", action="store_true", help="Run although DEBUG is off.")
        parser.add_argument("--places", type=int, help="Places in the network (default 50).")
        parser.add_argument("--bookings", type=int, help="Past bookings of the measured place (default 100000).")
        parser.add_argument("--members", type=int)
        parser.add_argument("--seconds", type=float, help="Duration of each booking-throughput run.")
        parser.add_argument("--workers", type=int, help="Processes of the concurrent booking run (default 8).")
        parser.add_argument("--repeat", type=int, help="Runs of each read workload (the median is reported).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG is off: this looks like a production configuration. The benchmark writes only its own "
                "database (<name>_bench), but it loads the database server; pass --allow-production to run it anyway."
            )
        settings.DEBUG = False
        sizes = dict(QUICK if options["quick"] else FULL)
        for key in sizes:
            if options.get(key) is not None:
                sizes[key] = options[key]
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        output = Path(options["output"] or settings.BASE_DIR / "var" / "bench" / f"places_bench-{stamp}.json")
        try:
            bench = database.bench_database_for()
            database.create(bench, recreate=options["recreate"])
        except database.BenchRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"places_bench: bench database {bench.name} ({bench.vendor}); the configured one is untouched"
        )
        try:
            database.point_django_at(bench)
            database.migrate()
            results = self._run(bench, sizes, options["quick"])
        finally:
            connections.close_all()
            if not options["keep"]:
                database.drop(bench)
        results["meta"]["output"] = str(output)
        measure.write_json(output, results)
        for line in table(results):
            self.stdout.write(line)
        self.stdout.write(f"JSON: {output}")

    def say(self, message: str) -> None:
        self.stderr.write(f"places_bench: {message}")
        self.stderr.flush()

    def _run(self, bench: database.BenchDatabase, sizes: dict[str, Any], quick: bool) -> dict[str, Any]:
        started = time.monotonic()
        today = workloads.local_today()
        self.say(f"populating {sizes['places']} places, {sizes['bookings']:,} past bookings")
        network = workloads.populate(
            places=int(sizes["places"]), bookings=int(sizes["bookings"]), members=int(sizes["members"]), today=today
        )
        repeat = int(sizes["repeat"])
        self.say("availability: every resource of the place over 31 days")
        availability = workloads.availability(network, today=today, repeat=repeat)
        self.say("search: free_resources across the network")
        search = workloads.search(network, today=today, repeat=repeat)
        since = timezone.now()
        throughput = {}
        for workers in sorted({1, int(sizes["workers"])}):
            self.say(f"booking_create: {workers} process(es)")
            throughput[f"workers_{workers}"] = workloads.booking_throughput(
                network, today=today, seconds=float(sizes["seconds"]), workers=workers
            )
        notes = list(network.notes)
        if not bench.is_postgresql:
            notes.append("SQLite serialises writers: the concurrent booking run measures taking turns.")
        notes.append("Timings are of this machine at this moment.")
        return {
            "meta": {
                **database.run_meta("places_bench", bench, quick=quick, sizes=sizes),
                "load_seconds": network.loaded_seconds,
                "past_loaded_with_triggers_off": network.triggers_off,
                "notes": notes,
                "seconds": round(time.monotonic() - started, 1),
            },
            "availability": availability,
            "search": search,
            "booking": throughput,
            "overbooked_resources": workloads.overbooked_resources(since),
        }


def table(results: dict[str, Any]) -> list[str]:
    meta, availability, search = results["meta"], results["availability"], results["search"]
    lines = [
        f"places_bench on {meta['database']} ({meta['cpus']} CPUs), {meta['sizes']['places']} places, "
        f"{availability['past_bookings']:,} past bookings on the measured place",
        f"{'workload':<48} {'median ms':>10} {'queries':>8}",
    ]
    for key in ("next_31_days", "past_31_days"):
        row = availability[key]
        label = f"availability, {availability['resources']} resources, {key.replace('_', ' ')}"
        lines.append(f"{label:<48} {row['median_ms']:>10} {row['queries']:>8}")
    for key in ("afternoon_1_seat", "week_meeting_room_6"):
        row = search[key]
        label = f"search {search['resources']} resources, {key.replace('_', ' ')}"
        lines.append(f"{label:<48} {row['median_ms']:>10} {row['queries']:>8}")
    for row in results["booking"].values():
        lines.append(
            f"booking_create, {row['workers']} process(es): {row['per_second']}/s "
            f"({row['bookings']} made, {row['slot_unavailable']} slot_unavailable, {row['errors']} other errors)"
        )
    lines.append(f"overbooked resources: {results['overbooked_resources']}")
    return lines
