"""Recurring bookings, read-only: the dates of a weekly series, a preview of which ones are free,
and the series a user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, InvalidInput
from core.typing import RequestUser
from places.availability import seats_free_for
from places.errors import (
    InThePast,
    OutsideOpeningHours,
    SeriesEmpty,
    SeriesNotFound,
    SeriesTooLong,
    SlotUnavailable,
    TooFarAhead,
)
from places.models import BookingSeries, Resource
from places.openings import opening_containing, to_utc, wall_instant
from places.selectors.roles import managed_place_ids, reads_every_booking

# A year of weeks, at most.
MAX_OCCURRENCES = 53


def series_dates(*, weekday: int, first_date: dt.date, last_date: dt.date) -> list[dt.date]:
    """Every date from `first_date` to `last_date` (both included) on ISO `weekday` (1 Monday … 7
    Sunday). Raises InvalidInput, SeriesEmpty, SeriesTooLong (more than 53)."""
    if not isinstance(weekday, int) or not 1 <= weekday <= 7:
        raise InvalidInput(fields={"weekday": [_("A weekday from 1 (Monday) to 7 (Sunday).")]})
    if last_date < first_date:
        raise InvalidInput(fields={"last_date": [_("The last date comes on or after the first.")]})
    first = first_date + dt.timedelta(days=(weekday - first_date.isoweekday()) % 7)
    if first > last_date:
        raise SeriesEmpty()
    count = (last_date - first).days // 7 + 1
    if count > MAX_OCCURRENCES:
        raise SeriesTooLong()
    return [first + dt.timedelta(weeks=i) for i in range(count)]


def occurrence_bounds(day: dt.date, start_time: dt.time, end_time: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of the wall times on local `day` (18:00 stays 18:00 across a clock change)."""
    return wall_instant(day, start_time), wall_instant(day, end_time)


@dataclass(frozen=True)
class PreviewLine:
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    code: str | None = None
    message: str | None = None

    @property
    def free(self) -> bool:
        return self.code is None


def _first_refusal(resource: Resource, start: dt.datetime, end: dt.datetime, seats: int, now: dt.datetime) -> None:
    if start < now + dt.timedelta(minutes=resource.lead_minutes):
        raise InThePast()
    if start > now + dt.timedelta(days=resource.horizon_days):
        raise TooFarAhead()
    if opening_containing(resource.place, start, end, resource=resource) is None:
        raise OutsideOpeningHours()
    needed = seats if resource.shared else resource.capacity
    if seats > resource.capacity or seats_free_for(resource, start, end) < needed:
        raise SlotUnavailable()


def series_preview(
    *,
    resource: Resource,
    weekday: int,
    start_time: dt.time,
    end_time: dt.time,
    first_date: dt.date,
    last_date: dt.date,
    seats: int = 1,
    now: dt.datetime | None = None,
) -> list[PreviewLine]:
    """The dates of the series and, for each, the first rule it would break now (too soon, too far,
    closed, full), without writing anything. A preview: booking checks every rule again, under the
    resource's lock (price, duration, membership…), and may still refuse a date free here."""
    if end_time <= start_time:
        raise InvalidInput(fields={"end_time": [_("The end must come after the start.")]})
    now = to_utc(now or timezone.now())
    lines = []
    for day in series_dates(weekday=weekday, first_date=first_date, last_date=last_date):
        start, end = occurrence_bounds(day, start_time, end_time)
        try:
            _first_refusal(resource, start, end, seats, now)
        except ApplicationError as refusal:
            lines.append(PreviewLine(day, start, end, refusal.code, str(refusal.message)))
        else:
            lines.append(PreviewLine(day, start, end))
    return lines


def series_visible_to(user: RequestUser) -> QuerySet[BookingSeries]:
    """The series a user may see: their own, those of the places they manage, every one for staff and auditors."""
    rows = BookingSeries.objects.select_related("resource", "resource__place", "member")
    if not user.is_authenticated:
        return rows.none()
    if not reads_every_booking(user):
        rows = rows.filter(Q(member__user_id=user.pk) | Q(resource__place_id__in=managed_place_ids(user)))
    return rows.order_by("-created_at", "-id")


def series_get_visible(user: RequestUser, pk: int) -> BookingSeries:
    """A series its member, the place's managers, staff and auditors see; SeriesNotFound for anyone else."""
    series = series_visible_to(user).filter(pk=pk).first()
    if series is None:
        raise SeriesNotFound()
    return series
