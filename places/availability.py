"""Availability, computed and never stored: openings − closures − bookings − buffers.

A booking occupies `[start, blocks_until)` (its end plus the resource's buffer). A new booking
`[s, e)` needs `[s, e + buffer)` clear of those, so what is shown free is the openings minus
`[start − buffer, blocks_until)` of each booking. Booking a resource's parent or child (the whole
room and its desks) takes the whole of the other for that time.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
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


def usages(
    resource: Resource, start: dt.datetime, end: dt.datetime, *, exclude_booking: int | None = None
) -> list[Usage]:
    """What occupies `resource` within `[start, end)`: its bookings (seats) and its family's (all of it)."""
    start, end = to_utc(start), to_utc(end)
    buffer = dt.timedelta(minutes=resource.buffer_minutes)
    family = family_ids(resource)
    rows = (
        Booking.objects.filter(
            resource_id__in=[resource.pk, *family],
            start__lt=end + buffer,
            blocks_until__gt=start,
        )
        .exclude(status=Booking.Status.CANCELLED)
        .values_list("id", "resource_id", "start", "blocks_until", "seats")
    )
    found = []
    for booking_id, resource_id, b_start, b_until, seats in rows:
        if booking_id == exclude_booking:
            continue
        taken = seats if resource_id == resource.pk else resource.capacity
        found.append(Usage(to_utc(b_start) - buffer, to_utc(b_until), min(taken, resource.capacity)))
    return found


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
    resource: Resource, start: dt.datetime, end: dt.datetime, *, openings: Sequence[Interval] | None = None
) -> list[FreeInterval]:
    """The free parts of `[start, end)` on `resource`, each with the seats still free there."""
    if not resource.active:
        return []
    if openings is None:
        openings = opening_intervals(resource.place, start, end, resource=resource)
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
