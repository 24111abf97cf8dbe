"""Availability, computed and never stored: openings − closures − bookings − buffers.

A booking occupies `[start, blocks_until)` (its end plus the resource's buffer). A new booking
`[s, e)` needs `[s, e + buffer)` clear of those, so what is shown free is the openings minus
`[start − buffer, blocks_until)` of each booking. Booking a resource's parent or child (the whole
room and its desks) takes the whole of the other for that time.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from places.models import Booking, Resource
from places.openings import Interval, opening_intervals, to_utc


@dataclass(frozen=True)
class FreeInterval:
    start: dt.datetime
    end: dt.datetime
    seats: int


@dataclass(frozen=True)
class Usage:
    """Seats taken over `[start, end)` (already widened by the buffer)."""

    start: dt.datetime
    end: dt.datetime
    seats: int


def ancestors(resource: Resource) -> list[Resource]:
    chain: list[Resource] = []
    current = resource.parent
    seen = {resource.pk}
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.parent
    return chain


def descendant_ids(resource: Resource) -> list[int]:
    found: list[int] = []
    frontier = [resource.pk]
    while frontier:
        children = list(Resource.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        children = [pk for pk in children if pk not in found and pk != resource.pk]
        found.extend(children)
        frontier = children
    return found


def family_ids(resource: Resource) -> list[int]:
    """The resources whose bookings take the whole of `resource`: its ancestors and descendants."""
    return [r.pk for r in ancestors(resource)] + descendant_ids(resource)


def family_ids_from_links(resource_id: int, parents: Mapping[int, int | None]) -> list[int]:
    """`family_ids` from preloaded `{resource id: parent id}` links (no query): a search over many
    resources reads the links once."""
    found: list[int] = []
    current = parents.get(resource_id)
    seen = {resource_id}
    while current is not None and current not in seen:
        found.append(current)
        seen.add(current)
        current = parents.get(current)
    children_of: dict[int, list[int]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children_of.setdefault(parent, []).append(child)
    frontier = [resource_id]
    visited = {resource_id}
    while frontier:
        next_frontier = []
        for pk in frontier:
            for child in children_of.get(pk, []):
                if child not in visited:
                    visited.add(child)
                    found.append(child)
                    next_frontier.append(child)
        frontier = next_frontier
    return found


# (booking id, resource id, start, blocks_until, seats): what a usage is computed from.
BookingRow = tuple[int, int, dt.datetime, dt.datetime, int]


def booking_rows(resource_ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> list[BookingRow]:
    """The active bookings of `resource_ids` whose `[start, blocks_until)` meets `[start, end)`, in one query."""
    rows = (
        Booking.objects.filter(resource_id__in=list(resource_ids), start__lt=end, blocks_until__gt=start)
        .exclude(status=Booking.Status.CANCELLED)
        .values_list("id", "resource_id", "start", "blocks_until", "seats")
    )
    return list(rows)


def usages_from_rows(
    resource: Resource, rows: Iterable[BookingRow], family: Iterable[int], *, exclude_booking: int | None = None
) -> list[Usage]:
    """The usages of `resource` from preloaded booking rows (any resources; the others are skipped)."""
    buffer = dt.timedelta(minutes=resource.buffer_minutes)
    family_set = set(family)
    found = []
    for booking_id, resource_id, b_start, b_until, seats in rows:
        if booking_id == exclude_booking:
            continue
        if resource_id == resource.pk:
            # A resource not shared is taken whole by each booking, whatever its seats.
            taken = seats if resource.shared else resource.capacity
        elif resource_id in family_set:
            taken = resource.capacity
        else:
            continue
        found.append(Usage(to_utc(b_start) - buffer, to_utc(b_until), min(taken, resource.capacity)))
    return found


def usages(
    resource: Resource, start: dt.datetime, end: dt.datetime, *, exclude_booking: int | None = None
) -> list[Usage]:
    """What occupies `resource` within `[start, end)`: its bookings (seats) and its family's (all of it)."""
    start, end = to_utc(start), to_utc(end)
    buffer = dt.timedelta(minutes=resource.buffer_minutes)
    family = family_ids(resource)
    rows = booking_rows([resource.pk, *family], start, end + buffer)
    return usages_from_rows(resource, rows, family, exclude_booking=exclude_booking)


def seats_left(capacity: int, window: Interval, used: Iterable[Usage]) -> list[FreeInterval]:
    """Split `window` where the seats taken change; keep the parts with seats left."""
    points = {window.start, window.end}
    relevant = [u for u in used if u.start < window.end and u.end > window.start]
    for usage in relevant:
        points.add(max(usage.start, window.start))
        points.add(min(usage.end, window.end))
    ordered = sorted(points)
    result: list[FreeInterval] = []
    for a, b in itertools.pairwise(ordered):
        if b <= a:
            continue
        taken = sum(u.seats for u in relevant if u.start < b and u.end > a)
        left = capacity - taken
        if left <= 0:
            continue
        if result and result[-1].end == a and result[-1].seats == left:
            result[-1] = FreeInterval(result[-1].start, b, left)
        else:
            result.append(FreeInterval(a, b, left))
    return result


def free_intervals(
    resource: Resource,
    start: dt.datetime,
    end: dt.datetime,
    *,
    openings: Sequence[Interval] | None = None,
    used: Sequence[Usage] | None = None,
) -> list[FreeInterval]:
    """The free parts of `[start, end)` on `resource`, each with the seats still free there.

    `openings` and `used` (from `usages_from_rows`) may be passed in by a caller that preloaded
    them for many resources (places.selectors.search); otherwise they are read.
    """
    if not resource.active:
        return []
    if openings is None:
        openings = opening_intervals(resource.place, start, end, resource=resource)
    if used is None:
        used = usages(resource, start, end)
    result: list[FreeInterval] = []
    for window in openings:
        result.extend(seats_left(resource.capacity, window, used))
    return result


def seats_free_for(
    resource: Resource, start: dt.datetime, end: dt.datetime, *, exclude_booking: int | None = None
) -> int:
    """The seats a new booking `[start, end)` may still take: the fewest free at any instant of
    `[start, end + buffer)` against the bookings already there (openings not considered)."""
    start, end = to_utc(start), to_utc(end)
    window = Interval(start, end + dt.timedelta(minutes=resource.buffer_minutes))
    # Usages are widened backwards by the buffer; the window forwards too would count it twice.
    used = [
        Usage(u.start + dt.timedelta(minutes=resource.buffer_minutes), u.end, u.seats)
        for u in usages(resource, start, end, exclude_booking=exclude_booking)
    ]
    free = seats_left(resource.capacity, window, used)
    covered = sum((f.end - f.start for f in free), dt.timedelta())
    if covered < window.end - window.start:
        return 0
    return min((f.seats for f in free), default=0)
