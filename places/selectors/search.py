"""The network-wide search: which resources have room for `seats` within `[start, end)`.

"Find a meeting room for 6 on Thursday afternoon across the network" (Lespass #435). Reads a
constant number of queries whatever the number of resources: the resources, their places'
opening rules and exceptions, the parent/child links, and the bookings of all of them at once;
the free intervals are then computed in Python by places.availability.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from members.models import Commune
from places.availability import (
    FreeInterval,
    booking_rows,
    family_ids_from_links,
    free_intervals,
    usages_from_rows,
)
from places.models import OpeningException, OpeningRule, Place, Resource
from places.openings import Interval, local_zone, opening_intervals, to_utc
from places.selectors.catalogue import public_resources


@dataclass(frozen=True)
class ResourceAvailability:
    """A resource and the free intervals where a booking of the asked seats fits."""

    resource: Resource
    free: list[FreeInterval]


def _runs(free: list[FreeInterval], seats: int) -> list[FreeInterval]:
    """Adjacent intervals with at least `seats` joined; each run shows the fewest seats along it."""
    runs: list[FreeInterval] = []
    for interval in free:
        if interval.seats < seats:
            continue
        if runs and runs[-1].end == interval.start:
            last = runs[-1]
            runs[-1] = FreeInterval(last.start, interval.end, min(last.seats, interval.seats))
        else:
            runs.append(interval)
    return runs


def _holds_a_booking(run: FreeInterval, openings: list[Interval], resource: Resource) -> bool:
    """True when a booking of the minimum duration, starting on the step grid of its opening, fits in `run`."""
    step = dt.timedelta(minutes=resource.step_minutes)
    length = dt.timedelta(minutes=resource.min_minutes)
    for opening in openings:
        if not (opening.start <= run.start < opening.end):
            continue
        steps = -((opening.start - run.start) // step)  # ceil((run.start − opening.start) / step)
        first_start = opening.start + steps * step
        return first_start + length <= run.end
    return False


def free_resources(
    start: dt.datetime,
    end: dt.datetime,
    *,
    seats: int = 1,
    kind: str | None = None,
    commune: Commune | int | None = None,
    place: Place | int | None = None,
) -> list[ResourceAvailability]:
    """The active resources of public places (filtered by kind, commune, place) with room for `seats`
    somewhere in `[start, end)`, each with those free intervals, by place and name.

    An interval is kept when a booking of the resource's minimum duration fits in it, starting at an
    opening time or a whole number of steps after it. Openings are whole opening intervals read over
    the local days around `[start, end)`, so the step grid starts where the opening does.
    Raises ValueError for naive datetimes.
    """
    start, end = to_utc(start), to_utc(end)
    if end <= start or seats < 1:
        return []
    queryset = public_resources(place=place, kind=kind).filter(capacity__gte=seats)
    if commune is not None:
        queryset = queryset.filter(place__commune_id=commune.pk if isinstance(commune, Commune) else int(commune))
    resources = list(queryset)
    if not resources:
        return []
    place_ids = {r.place_id for r in resources}
    zone = local_zone()
    first_day = start.astimezone(zone).date() - dt.timedelta(days=1)
    last_day = end.astimezone(zone).date() + dt.timedelta(days=1)
    rules: dict[int, list[OpeningRule]] = {pk: [] for pk in place_ids}
    for rule in OpeningRule.objects.filter(place_id__in=place_ids):
        rules[rule.place_id].append(rule)
    exceptions: dict[int, list[OpeningException]] = {pk: [] for pk in place_ids}
    for exception in OpeningException.objects.filter(place_id__in=place_ids, date__gte=first_day, date__lte=last_day):
        exceptions[exception.place_id].append(exception)
    # Parents and children are in the same place (the admin refuses another place's parent).
    parents = dict(Resource.objects.filter(place_id__in=place_ids).values_list("id", "parent_id"))
    families = {r.pk: family_ids_from_links(r.pk, parents) for r in resources}
    max_buffer = dt.timedelta(minutes=max(r.buffer_minutes for r in resources))
    wanted = {r.pk for r in resources}.union(*families.values())
    rows = booking_rows(wanted, start, end + max_buffer)

    # Whole openings of the days around the search: the step grid is counted from their start.
    day_start = dt.datetime.combine(first_day, dt.time(0), tzinfo=zone)
    day_end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    found: list[ResourceAvailability] = []
    for resource in resources:
        whole = opening_intervals(
            resource.place,
            day_start,
            day_end,
            resource=resource,
            rules=rules[resource.place_id],
            exceptions=exceptions[resource.place_id],
        )
        clipped = [Interval(max(i.start, start), min(i.end, end)) for i in whole if i.end > start and i.start < end]
        used = usages_from_rows(resource, rows, families[resource.pk])
        free = free_intervals(resource, start, end, openings=clipped, used=used)
        runs = [run for run in _runs(free, seats) if _holds_a_booking(run, whole, resource)]
        if runs:
            found.append(ResourceAvailability(resource, runs))
    return found
