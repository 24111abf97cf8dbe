"""Opening hours: weekly rules in local wall time, minus closures, plus exceptional openings.

Rules are wall-clock times in settings.TIME_ZONE (Europe/Paris). Each local day's windows are
turned into instants with that day's offset, so a place open 09:00–18:00 opens at 09:00 on both
sides of a daylight-saving change (07:00 UTC in summer, 08:00 UTC in winter).
Every instant returned is in UTC: aware datetimes in the same zone compare on the wall clock in
Python, which is wrong across a change; UTC instants never are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from places.models import OpeningException, OpeningRule, Place, Resource

UTC = dt.UTC


@cache
def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True, order=True)
class Interval:
    """`[start, end)` between two aware UTC instants."""

    start: dt.datetime
    end: dt.datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def to_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC)


def wall_instant(day: dt.date, time: dt.time) -> dt.datetime:
    """The UTC instant of `time` on local `day`. A wall time that does not exist (02:30 on the night
    clocks go forward) is read with the offset before the change, as zoneinfo does (fold 0)."""
    return dt.datetime.combine(day, time, tzinfo=local_zone()).astimezone(UTC)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, overlapping or touching intervals joined."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if interval.end <= interval.start:
            continue
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def subtract(intervals: Sequence[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """`intervals` minus `holes` (both any order); the result merged."""
    result = merge(intervals)
    for hole in merge(holes):
        next_result: list[Interval] = []
        for interval in result:
            if hole.end <= interval.start or hole.start >= interval.end:
                next_result.append(interval)
                continue
            if interval.start < hole.start:
                next_result.append(Interval(interval.start, hole.start))
            if hole.end < interval.end:
                next_result.append(Interval(hole.end, interval.end))
        result = next_result
    return result


def _rule_applies(rule: OpeningRule, day: dt.date) -> bool:
    return (
        rule.weekday == day.weekday()
        and (rule.valid_from is None or rule.valid_from <= day)
        and (rule.valid_until is None or day <= rule.valid_until)
    )


def opening_intervals(
    place: Place,
    start: dt.datetime,
    end: dt.datetime,
    *,
    resource: Resource | None = None,
    rules: Sequence[OpeningRule] | None = None,
    exceptions: Sequence[OpeningException] | None = None,
) -> list[Interval]:
    """When `place` (and `resource`, if given: its own closures too) is open within `[start, end)`.

    `rules` and `exceptions` may be passed in when the caller already has them (a page listing
    many resources of one place); otherwise they are read, exceptions only for the days asked.
    """
    start, end = to_utc(start), to_utc(end)
    if end <= start:
        return []
    zone = local_zone()
    first_day = start.astimezone(zone).date()
    last_day = end.astimezone(zone).date()
    if rules is None:
        rules = list(OpeningRule.objects.filter(place=place))
    if exceptions is None:
        resource_filter = Q(resource__isnull=True)
        if resource is not None:
            resource_filter |= Q(resource=resource)
        exceptions = list(
            OpeningException.objects.filter(resource_filter, place=place, date__gte=first_day, date__lte=last_day)
        )
    else:
        resource_id = None if resource is None else resource.pk
        exceptions = [ex for ex in exceptions if ex.resource_id is None or ex.resource_id == resource_id]
    by_day: dict[dt.date, list[OpeningException]] = {}
    for exception in exceptions:
        by_day.setdefault(exception.date, []).append(exception)

    windows: list[Interval] = []
    closed: list[Interval] = []
    day = first_day
    while day <= last_day:
        day_exceptions = by_day.get(day, [])
        whole_day_closed = any(ex.kind == OpeningException.Kind.CLOSURE and ex.opens is None for ex in day_exceptions)
        if not whole_day_closed:
            windows.extend(
                Interval(wall_instant(day, rule.opens), wall_instant(day, rule.closes))
                for rule in rules
                if _rule_applies(rule, day)
            )
        for ex in day_exceptions:
            if ex.opens is None or ex.closes is None:
                continue
            interval = Interval(wall_instant(day, ex.opens), wall_instant(day, ex.closes))
            if ex.kind == OpeningException.Kind.OPENING:
                windows.append(interval)
            else:
                closed.append(interval)
        day += dt.timedelta(days=1)
    # A closure is the last word (a manager closing the afternoon means closed, even over an
    # exceptional opening), so it is subtracted after every opening is joined.
    open_intervals = subtract(merge(windows), closed)
    clip = Interval(start, end)
    return [
        Interval(max(i.start, clip.start), min(i.end, clip.end))
        for i in open_intervals
        if i.end > clip.start and i.start < clip.end
    ]


def opening_containing(
    place: Place, start: dt.datetime, end: dt.datetime, *, resource: Resource | None = None
) -> Interval | None:
    """The whole opening interval (not clipped) holding all of `[start, end)`, or None.

    Read over the local days around the booking, so the interval's true start is known: a booking
    must start at it or a whole number of steps after it.
    """
    start, end = to_utc(start), to_utc(end)
    zone = local_zone()
    day_start = wall_instant(start.astimezone(zone).date(), dt.time(0))
    day_end = wall_instant(end.astimezone(zone).date() + dt.timedelta(days=1), dt.time(0))
    for interval in opening_intervals(place, day_start, day_end, resource=resource):
        if interval.start <= start and end <= interval.end:
            return interval
    return None


def is_open_at(place: Place, moment: dt.datetime) -> bool:
    """True when the place is open at `moment` ("ouvert maintenant")."""
    moment = to_utc(moment)
    return bool(opening_intervals(place, moment, moment + dt.timedelta(seconds=1)))
