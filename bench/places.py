"""The network of tiers-lieux under load: a population of places, a long past, and the workloads.

- availability: `free_intervals` of every resource of one place over 31 days, that place having
  `bookings` past bookings (100,000 in the full run), for the coming 31 days and for 31 days of
  its densest past;
- search: `free_resources` across the whole network for an afternoon and for a week;
- booking throughput: `booking_create` (a ledger hold each) from 1 and N worker processes, each
  booking in its own committed transaction, racing for random slots of the coming weeks.

The past is loaded with bulk inserts, back-to-back one-hour bookings that never overlap (on
PostgreSQL with triggers off for the load only when allowed: `session_replication_role`; the
exclusion constraint still checks every row), so the database holds what years of use leave.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from bench.population import _accounts, _members
from members.models import Commune
from places.availability import free_intervals
from places.models import Booking, OpeningRule, Place, Resource, ResourceKind, ResourcePrice
from places.openings import local_zone, wall_instant
from places.selectors.search import free_resources

UNIT = "HRS"
OPENS, CLOSES = dt.time(8), dt.time(20)  # Monday to Saturday
# One place's resources: (kind, capacity); the big place and every other place have the same.
LAYOUT = [
    (ResourceKind.DESK, 8),
    (ResourceKind.OFFICE, 1),
    (ResourceKind.OFFICE, 1),
    (ResourceKind.MEETING_ROOM, 8),
    (ResourceKind.MACHINE, 1),
    (ResourceKind.MACHINE, 1),
    (ResourceKind.EQUIPMENT, 4),
    (ResourceKind.ROOM, 1),
]
BATCH = 5000
TIMEOUT_MARGIN = 120.0


@dataclass
class Network:
    big_place_id: int
    resource_ids: list[int]
    member_ids: list[int]
    first_past_day: dt.date
    loaded_seconds: float
    triggers_off: bool
    notes: list[str] = field(default_factory=list)


def _days_back(today: dt.date, count: int) -> list[dt.date]:
    """The `count` opening days (Monday to Saturday) before `today`, newest first."""
    days: list[dt.date] = []
    day = today - dt.timedelta(days=1)
    while len(days) < count:
        if day.weekday() < 6:
            days.append(day)
        day -= dt.timedelta(days=1)
    return days


def _triggers_off() -> bool:
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        return True
    except DatabaseError:
        return False


def _triggers_on() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def populate(*, places: int, bookings: int, members: int, today: dt.date) -> Network:
    """`places` places of LAYOUT's resources; `bookings` past bookings on the first one; members with time accounts."""
    started = time.monotonic()
    # The migrations' communes, or the bench's own if they were flushed (a copy of a test database).
    communes = list(Commune.objects.order_by("pk")) or [
        Commune.objects.create(name="Les Achards", postal_code="85150", insee_code="85152")
    ]
    network_places = Place.objects.bulk_create(
        Place(
            name=f"Bench place {index}",
            kinds=["coworking"],
            commune=communes[index % len(communes)],
            address=f"{index} rue du Banc",
            latitude="46.616000",
            longitude="-1.650000",
            units=[UNIT],
        )
        for index in range(places)
    )
    OpeningRule.objects.bulk_create(
        OpeningRule(place=place, weekday=day, opens=OPENS, closes=CLOSES)
        for place in network_places
        for day in range(6)
    )
    resources = Resource.objects.bulk_create(
        Resource(
            place=place,
            name=f"{kind} {index}",
            kind=kind,
            capacity=capacity,
            shared=kind in ("desk", "equipment"),  # rooms and machines are booked whole
            step_minutes=60,
            min_minutes=60,
            max_minutes=720,
            horizon_days=365,
            members_only=False,
        )
        for place in network_places
        for index, (kind, capacity) in enumerate(LAYOUT)
    )
    ResourcePrice.objects.bulk_create(ResourcePrice(resource=r, unit=UNIT, amount=1) for r in resources)
    bench_members = _members("places-bench", members, "individual")
    _accounts(bench_members)
    member_ids = [m.pk for m in bench_members]

    big = network_places[0]
    big_resources = [r for r in resources if r.place_id == big.pk]
    slots = (CLOSES.hour - OPENS.hour) * len(big_resources)
    days = _days_back(today, -(-bookings // slots))
    off = _triggers_off()
    rows: list[Booking] = []
    written = 0
    try:
        for day in days:
            for hour in range(OPENS.hour, CLOSES.hour):
                start = wall_instant(day, dt.time(hour))
                end = start + dt.timedelta(hours=1)
                for resource in big_resources:
                    if written + len(rows) >= bookings:
                        break
                    rows.append(
                        Booking(
                            resource=resource,
                            member_id=member_ids[(written + len(rows)) % len(member_ids)],
                            start=start,
                            end=end,
                            blocks_until=end,
                            seats=1,
                            exclusive=not resource.shared,
                            status=Booking.Status.COMPLETED,
                            unit=UNIT,
                            price=0,
                        )
                    )
            if len(rows) >= BATCH:
                Booking.objects.bulk_create(rows)
                written += len(rows)
                rows = []
        if rows:
            Booking.objects.bulk_create(rows)
            written += len(rows)
    finally:
        if off:
            _triggers_on()
    notes = []
    if connection.vendor == "postgresql" and not off:
        notes.append("Past bookings loaded through the overbooking trigger (not superuser).")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE places_booking, places_resource, places_openingrule")
    return Network(
        big_place_id=big.pk,
        resource_ids=[r.pk for r in resources],
        member_ids=member_ids,
        first_past_day=days[-1] if days else today,
        loaded_seconds=round(time.monotonic() - started, 1),
        triggers_off=off,
        notes=notes,
    )


def _median_run(function: Any, repeat: int) -> dict[str, Any]:
    timings, queries, result = [], 0, None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = function()
            timings.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)
    return {
        "median_ms": round(statistics.median(timings) * 1000, 1),
        "max_ms": round(max(timings) * 1000, 1),
        "queries": queries,
        "repeat": repeat,
        "result": result,
    }


def availability(network: Network, *, today: dt.date, repeat: int) -> dict[str, Any]:
    """Every resource of the big place over 31 days: the coming month and the densest past month."""
    resources = list(Resource.objects.filter(place_id=network.big_place_id).select_related("place"))
    future_start = wall_instant(today, dt.time(0))
    past_start = wall_instant(today - dt.timedelta(days=31), dt.time(0))
    out: dict[str, Any] = {
        "resources": len(resources),
        "past_bookings": Booking.objects.filter(resource__place_id=network.big_place_id).count(),
    }
    for label, start in [("next_31_days", future_start), ("past_31_days", past_start)]:
        end = start + dt.timedelta(days=31)

        def run(start: dt.datetime = start, end: dt.datetime = end) -> int:
            return sum(len(free_intervals(resource, start, end)) for resource in resources)

        measured = _median_run(run, repeat)
        measured["free_intervals"] = measured.pop("result")
        out[label] = measured
    return out


def search(network: Network, *, today: dt.date, repeat: int) -> dict[str, Any]:
    """free_resources across the network: one afternoon (1 seat), a week (a meeting room for 6)."""
    wednesday = today + dt.timedelta(days=(2 - today.weekday()) % 7 or 7)
    afternoon = (wall_instant(wednesday, dt.time(14)), wall_instant(wednesday, dt.time(18)))
    week = (wall_instant(wednesday, dt.time(0)), wall_instant(wednesday + dt.timedelta(days=7), dt.time(0)))
    out: dict[str, Any] = {"resources": len(network.resource_ids)}
    for label, (start, end), options in [
        ("afternoon_1_seat", afternoon, {}),
        ("week_meeting_room_6", week, {"seats": 6, "kind": ResourceKind.MEETING_ROOM}),
    ]:

        def run(start: dt.datetime = start, end: dt.datetime = end, options: dict[str, Any] = options) -> int:
            return len(free_resources(start, end, **options))

        measured = _median_run(run, repeat)
        measured["resources_found"] = measured.pop("result")
        out[label] = measured
    return out


@dataclass
class BookingSpec:
    resource_ids: list[int]
    member_ids: list[int]
    seconds: float
    today: dt.date
    days_ahead: int = 60


def booking_worker(spec: BookingSpec, seed: int, barrier: Any, results: Any) -> None:
    """booking_create for random one-hour slots of the coming weeks, one committed transaction each."""
    from core.errors import ApplicationError
    from members.models import Member
    from places.services import booking_create

    rng = random.Random(seed)
    resources = {r.pk: r for r in Resource.objects.filter(pk__in=spec.resource_ids).select_related("place")}
    members = {m.pk: m for m in Member.objects.filter(pk__in=spec.member_ids).select_related("user")}
    made = refused = errors = 0
    barrier.wait()
    started = time.monotonic()
    deadline = started + spec.seconds
    while time.monotonic() < deadline:
        day = spec.today + dt.timedelta(days=rng.randint(1, spec.days_ahead))
        if day.weekday() == 6:
            continue
        start = wall_instant(day, dt.time(rng.randint(OPENS.hour, CLOSES.hour - 1)))
        member = members[rng.choice(spec.member_ids)]
        try:
            booking_create(
                resource=resources[rng.choice(spec.resource_ids)],
                member=member,
                start=start,
                end=start + dt.timedelta(hours=1),
                unit=UNIT,
                actor=member.user,
                idempotency_key=f"bench:{uuid.uuid4()}",
            )
            made += 1
        except ApplicationError as exc:
            if getattr(exc, "code", "") == "slot_unavailable":
                refused += 1
            else:
                errors += 1
        except DatabaseError:
            errors += 1
    connections.close_all()
    results.put((made, refused, errors, time.monotonic() - started))


def booking_throughput(network: Network, *, today: dt.date, seconds: float, workers: int) -> dict[str, Any]:
    """Bookings per second from `workers` processes (fork), their counts added."""
    spec = BookingSpec(network.resource_ids, network.member_ids, seconds, today)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers)
    results = context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=booking_worker, args=(spec, 1000 + index, barrier, results), daemon=True)
        for index in range(workers)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=seconds + TIMEOUT_MARGIN) for _ in processes]
    for process in processes:
        process.join(timeout=TIMEOUT_MARGIN)
    made = sum(r[0] for r in reports)
    elapsed = max(r[3] for r in reports)
    return {
        "workers": workers,
        "bookings": made,
        "slot_unavailable": sum(r[1] for r in reports),
        "errors": sum(r[2] for r in reports),
        "seconds": round(elapsed, 3),
        "per_second": round(made / elapsed, 1) if elapsed > 0 else 0.0,
    }


def overbooked_resources(since: dt.datetime) -> int:
    """Resources where some instant after `since` holds more seats than the capacity (must be 0):
    checked at each booking's start, where the seats in use change upwards."""
    over = 0
    for resource in Resource.objects.all():
        rows = list(
            Booking.objects.filter(resource=resource, start__gte=since)
            .exclude(status=Booking.Status.CANCELLED)
            .values_list("start", "blocks_until", "seats")
        )
        for start, _until, _seats in rows:
            # A resource not shared is taken whole by each booking.
            used = sum(seats if resource.shared else resource.capacity for s, u, seats in rows if s <= start < u)
            if used > resource.capacity:
                over += 1
                break
    return over


def local_today() -> dt.date:
    return dt.datetime.now(local_zone()).date()
