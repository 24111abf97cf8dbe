"""Occupancy of the network, as open data for the community of communes: never a name.

For a calendar month in local time (Europe/Paris, so the month starts at local midnight on both
sides of a daylight-saving change), per place, per kind of resource, per commune and in total:

- **seat-hours open**: for each counted resource, the real hours its place is open within the
  month (its opening rules, minus closures of the place and of that resource, plus exceptional
  openings: places.openings) times its seats when they are booked one by one (`shared`: an open
  space's desks), or once for a resource booked whole (a meeting room). A night of clocks going forward gives 23 real
  hours, not 24: these are hours as they passed.
- **seat-hours booked**: for each active booking (every status but cancelled: a no-show kept the
  seat from others, a completed booking was used), its seats (1 on a resource booked whole) times
  the part of `[start, end)` inside the month and inside its resource's openings. Buffers are not counted as booked.
- **rate** = booked / open, in percent with one decimal (None when nothing was open).

Counted resources are the bookable (`active`) resources of public places that contain no other
bookable resource. A container (the whole open space, parent of its desks) is not counted itself,
or its seats would be counted twice: a booking of it counts as all the seats of each part it
contains, for its duration. A booking of a part blocks the container but is counted on the part.

**Attendance** (counts only): per place and per local day, the number of bookings checked in
that day (`checked_in_at` on that local day, whatever became of the booking afterwards); the
month's total per place and for the network. No name, no booking, no time of day.

The current month counts the whole month open and what is booked so far (future bookings
included): the rate of a month still to come grows as people book.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from places.models import Booking, OpeningException, OpeningRule, Place, Resource, ResourceKind
from places.openings import Interval, local_zone, opening_intervals, to_utc, wall_instant

HUNDREDTH = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass
class Figures:
    """Seat-minutes open and booked for one line of the table (a place, a kind, a commune, all)."""

    open_minutes: int = 0
    booked_minutes: int = 0

    def add(self, open_minutes: int, booked_minutes: int) -> None:
        self.open_minutes += open_minutes
        self.booked_minutes += booked_minutes

    @property
    def hours_open(self) -> Decimal:
        return (Decimal(self.open_minutes) / 60).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)

    @property
    def hours_booked(self) -> Decimal:
        return (Decimal(self.booked_minutes) / 60).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)

    @property
    def rate(self) -> Decimal | None:
        """Percent of the seat-hours open that were booked, one decimal; None when nothing was open."""
        if self.open_minutes <= 0:
            return None
        return (Decimal(self.booked_minutes) * 100 / Decimal(self.open_minutes)).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class KindOccupancy(Figures):
    kind: str = ""

    @property
    def label(self) -> str:
        return str(ResourceKind(self.kind).label) if self.kind in ResourceKind.values else self.kind


@dataclass
class CommuneOccupancy(Figures):
    commune: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class DayAttendance:
    date: dt.date
    check_ins: int


@dataclass
class PlaceOccupancy(Figures):
    place_id: int = 0
    name: str = ""
    commune: str = ""
    kinds: list[KindOccupancy] = field(default_factory=list)
    # The days of the month with at least one check-in, in order.
    attendance: list[DayAttendance] = field(default_factory=list)

    @property
    def check_ins(self) -> int:
        return sum(day.check_ins for day in self.attendance)


@dataclass
class MonthOccupancy:
    month: dt.date  # the first day of the month
    total: Figures
    places: list[PlaceOccupancy]
    kinds: list[KindOccupancy]
    communes: list[CommuneOccupancy]

    @property
    def check_ins(self) -> int:
        return sum(line.check_ins for line in self.places)

    @property
    def iso(self) -> str:
        return self.month.strftime("%Y-%m")


def month_of(moment: dt.datetime | None = None) -> dt.date:
    """The first day of the local month holding `moment` (now by default)."""
    local = to_utc(moment or timezone.now()).astimezone(local_zone())
    return local.date().replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def month_bounds(month: dt.date) -> Interval:
    """The month as UTC instants: local midnight of its first day to local midnight of the next month's."""
    first = month.replace(day=1)
    return Interval(wall_instant(first, dt.time(0)), wall_instant(next_month(first), dt.time(0)))


def _overlap_minutes(openings: list[Interval], starts: list[dt.datetime], start: dt.datetime, end: dt.datetime) -> int:
    """Minutes of `[start, end)` inside the sorted, disjoint `openings` (`starts` their starts)."""
    seconds = 0.0
    index = max(bisect.bisect_right(starts, start) - 1, 0)
    while index < len(openings) and openings[index].start < end:
        opening = openings[index]
        low, high = max(opening.start, start), min(opening.end, end)
        if high > low:
            seconds += (high - low).total_seconds()
        index += 1
    return int(seconds // 60)


def _counted_resources(resources: Iterable[Resource]) -> tuple[list[Resource], dict[int, list[Resource]]]:
    """The resources counted (bookable, containing no bookable resource) and, for every resource,
    the counted resources it contains (its descendants)."""
    by_id = {resource.pk: resource for resource in resources}
    children: dict[int, list[int]] = defaultdict(list)
    for resource in by_id.values():
        if resource.parent_id is not None and resource.parent_id in by_id:
            children[resource.parent_id].append(resource.pk)
    counted = [r for r in by_id.values() if r.active and not any(by_id[c].active for c in children[r.pk])]
    counted_ids = {r.pk for r in counted}
    contained: dict[int, list[Resource]] = {}
    for resource_id in by_id:
        found: list[Resource] = []
        frontier, seen = list(children[resource_id]), {resource_id}
        while frontier:
            child = frontier.pop()
            if child in seen:
                continue
            seen.add(child)
            if child in counted_ids:
                found.append(by_id[child])
            frontier.extend(children[child])
        contained[resource_id] = found
    return sorted(counted, key=lambda r: r.pk), contained


def _places_of(resource: Resource) -> int:
    """What one hour of `resource` counts: its seats when they are booked one by one (an open
    space's desks), 1 when it is booked whole (a meeting room is booked or not, whatever its size)."""
    return resource.capacity if resource.shared else 1


def occupancy_for_month(month: dt.date) -> MonthOccupancy:
    """The network's occupancy in the local month of `month` (see the module's docstring).

    A handful of queries whatever the size of the network: places, rules, exceptions, resources,
    and the month's bookings in one query each.
    """
    return _occupancy_for_month(month, _network())


@dataclass(frozen=True)
class _Network:
    """The public places, their opening rules and resources: what every month's figures start from."""

    places: dict[int, Place]
    rules: dict[int, list[OpeningRule]]
    resources: list[Resource]


def _network() -> _Network:
    places = {p.pk: p for p in Place.objects.filter(public=True).select_related("commune")}
    rules: dict[int, list[OpeningRule]] = defaultdict(list)
    for rule in OpeningRule.objects.filter(place_id__in=places):
        rules[rule.place_id].append(rule)
    return _Network(places, rules, list(Resource.objects.filter(place_id__in=places)))


def _occupancy_for_month(month: dt.date, network: _Network) -> MonthOccupancy:
    bounds = month_bounds(month)
    first_day, last_day = month.replace(day=1), next_month(month) - dt.timedelta(days=1)
    places, rules, resources = network.places, network.rules, network.resources
    exceptions: dict[int, list[OpeningException]] = defaultdict(list)
    for exception in OpeningException.objects.filter(
        place_id__in=places, date__gte=first_day - dt.timedelta(days=1), date__lte=last_day + dt.timedelta(days=1)
    ):
        exceptions[exception.place_id].append(exception)
    counted, contained = _counted_resources(resources)

    openings: dict[int, list[Interval]] = {}
    for resource in counted:
        place = places[resource.place_id]
        openings[resource.pk] = opening_intervals(
            place,
            bounds.start,
            bounds.end,
            resource=resource,
            rules=rules[place.pk],
            exceptions=exceptions[place.pk],
        )
    starts = {pk: [interval.start for interval in intervals] for pk, intervals in openings.items()}

    booked: dict[int, int] = defaultdict(int)
    rows = (
        Booking.objects.filter(Q(resource_id__in=[r.pk for r in resources]), start__lt=bounds.end, end__gt=bounds.start)
        .exclude(status=Booking.Status.CANCELLED)
        .values_list("resource_id", "start", "end", "seats")
    )
    counted_by_id = {resource.pk: resource for resource in counted}
    for resource_id, start, end, seats in rows:
        start, end = max(to_utc(start), bounds.start), min(to_utc(end), bounds.end)
        own = counted_by_id.get(resource_id)
        targets = [(resource_id, seats if own.shared else 1)] if own is not None else []
        targets += [(part.pk, _places_of(part)) for part in contained.get(resource_id, [])]
        for target, taken in targets:
            booked[target] += taken * _overlap_minutes(openings[target], starts[target], start, end)

    total = Figures()
    per_place: dict[int, PlaceOccupancy] = {}
    per_place_kind: dict[tuple[int, str], KindOccupancy] = {}
    per_kind: dict[str, KindOccupancy] = {}
    per_commune: dict[int, CommuneOccupancy] = {}
    for resource in counted:
        place = places[resource.place_id]
        open_minutes = _places_of(resource) * sum(interval.minutes for interval in openings[resource.pk])
        # A booking is never longer than its openings allow; min() only guards a resource whose
        # capacity was lowered under the seats already booked.
        booked_minutes = min(booked[resource.pk], open_minutes)
        total.add(open_minutes, booked_minutes)
        line = per_place.setdefault(
            place.pk, PlaceOccupancy(place_id=place.pk, name=place.name, commune=place.commune.name)
        )
        line.add(open_minutes, booked_minutes)
        per_place_kind.setdefault((place.pk, resource.kind), KindOccupancy(kind=resource.kind)).add(
            open_minutes, booked_minutes
        )
        per_kind.setdefault(resource.kind, KindOccupancy(kind=resource.kind)).add(open_minutes, booked_minutes)
        per_commune.setdefault(
            place.commune_id, CommuneOccupancy(commune=place.commune.name, postal_code=place.commune.postal_code)
        ).add(open_minutes, booked_minutes)
    for place_id, days in _attendance(bounds, places).items():
        line = per_place.setdefault(
            place_id,
            PlaceOccupancy(place_id=place_id, name=places[place_id].name, commune=places[place_id].commune.name),
        )
        line.attendance = [DayAttendance(day, count) for day, count in sorted(days.items())]
    kind_order = {code: index for index, code in enumerate(ResourceKind.values)}
    for (place_id, _kind), kind_line in sorted(per_place_kind.items(), key=lambda item: kind_order.get(item[0][1], 99)):
        per_place[place_id].kinds.append(kind_line)
    return MonthOccupancy(
        month=first_day,
        total=total,
        places=sorted(per_place.values(), key=lambda line: line.name),
        kinds=sorted(per_kind.values(), key=lambda line: kind_order.get(line.kind, 99)),
        communes=sorted(per_commune.values(), key=lambda line: line.commune),
    )


def _attendance(bounds: Interval, places: dict[int, Place]) -> dict[int, dict[dt.date, int]]:
    """Per place, per local day of the month: the bookings checked in that day (one query)."""
    counts: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    rows = Booking.objects.filter(
        resource__place_id__in=list(places), checked_in_at__gte=bounds.start, checked_in_at__lt=bounds.end
    ).values_list("resource__place_id", "checked_in_at")
    zone = local_zone()
    for place_id, checked_in_at in rows:
        if checked_in_at is None:  # filtered out above; for the type checker
            continue
        counts[place_id][to_utc(checked_in_at).astimezone(zone).date()] += 1
    return counts


def occupancy_last_months(count: int = 6, *, until: dt.date | None = None) -> list[MonthOccupancy]:
    """The occupancy of the `count` months up to `until` (the current month by default), oldest first."""
    months = [(until or month_of()).replace(day=1)]
    while len(months) < count:
        months.insert(0, previous_month(months[0]))
    network = _network()  # read once for every month (the places and their rules, not per month)
    return [_occupancy_for_month(month, network) for month in months]
