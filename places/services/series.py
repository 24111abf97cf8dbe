"""Recurring bookings: book a resource every week for a term, and cancel what is left of it.

Each occurrence is booked through `booking_create` (its own transaction, its own key
`<key>:<date>`), so it is checked like any booking (capacity, closures, openings, horizon,
membership, money) and a retry with the same key books nothing twice: every occurrence already
booked is replayed, every one refused is tried again. A refused occurrence is returned in
`conflicts` with the refusal's code and message, never skipped in silence. A worker dying half-way
leaves the series and the occurrences booked so far; the retry with the same key finishes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ApplicationError, IdempotencyKeyReused, InvalidInput, PermissionDenied
from core.typing import Actor, acting_user
from members.models import Member
from members.selectors import member_or_none
from places.errors import SeriesNotFound
from places.models import Booking, BookingSeries, Resource
from places.openings import to_utc
from places.selectors.roles import is_place_manager
from places.selectors.series import occurrence_bounds, series_dates
from places.services.bookings import booking_cancel, booking_create

__all__ = ["Conflict", "SeriesResult", "booking_series_cancel", "booking_series_create"]


@dataclass(frozen=True)
class Conflict:
    date: dt.date
    code: str
    message: str


@dataclass
class SeriesResult:
    series: BookingSeries
    booked: list[Booking] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def _request_hash(
    resource: Resource,
    member: Member,
    weekday: int,
    start_time: dt.time,
    end_time: dt.time,
    first_date: dt.date,
    last_date: dt.date,
    seats: int,
) -> str:
    payload = [
        "series",
        resource.pk,
        member.pk,
        weekday,
        start_time.isoformat(),
        end_time.isoformat(),
        first_date.isoformat(),
        last_date.isoformat(),
        seats,
    ]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _series_for(idempotency_key: str | None, request_hash: str, create: dict) -> BookingSeries:
    """The series made with this key (the same request), or a new one; IdempotencyKeyReused for another request."""
    if idempotency_key is not None:
        existing = BookingSeries.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.request_hash != request_hash:
                raise IdempotencyKeyReused()
            return existing
    try:
        with transaction.atomic(durable=True):
            series = BookingSeries.objects.create(idempotency_key=idempotency_key, request_hash=request_hash, **create)
            audit_record(
                actor=create["created_by"],
                action="booking_series_create",
                target=series,
                resource=series.resource_id,
                weekday=series.weekday,
                first_date=series.first_date.isoformat(),
                last_date=series.last_date.isoformat(),
            )
            return series
    except IntegrityError:
        # A twin with the same key committed first.
        return _series_for(idempotency_key, request_hash, create)


def booking_series_create(
    *,
    resource: Resource,
    member: Member,
    weekday: int,
    start_time: dt.time,
    end_time: dt.time,
    first_date: dt.date,
    last_date: dt.date,
    seats: int = 1,
    actor: Actor,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> SeriesResult:
    """Book `resource` every ISO `weekday` (1 Monday … 7 Sunday) from `start_time` to `end_time`
    (local wall times) from `first_date` to `last_date`, for `member` (the actor themself).

    Raises PermissionDenied (for someone else), InvalidInput, SeriesEmpty, SeriesTooLong (more than
    53 occurrences), IdempotencyKeyReused; nothing is written then. Each occurrence refused (full,
    closed, too far…) is in `conflicts`; the others are booked and held like any booking.
    """
    caller = member_or_none(actor)
    if caller is None or caller.pk != member.pk:
        raise PermissionDenied(_("You may only book for yourself."))
    if not isinstance(seats, int) or seats < 1:
        raise InvalidInput(fields={"seats": [_("At least one seat.")]})
    if end_time <= start_time:
        raise InvalidInput(fields={"end_time": [_("The end must come after the start.")]})
    dates = series_dates(weekday=weekday, first_date=first_date, last_date=last_date)
    now = to_utc(now or timezone.now())
    request_hash = _request_hash(resource, member, weekday, start_time, end_time, first_date, last_date, seats)
    series = _series_for(
        idempotency_key,
        request_hash,
        {
            "resource": resource,
            "member": member,
            "weekday": weekday,
            "start_time": start_time,
            "end_time": end_time,
            "first_date": first_date,
            "last_date": last_date,
            "seats": seats,
            "created_by": acting_user(actor),
            "created_at": now,
        },
    )
    key = idempotency_key or f"series:{series.pk}"
    result = SeriesResult(series)
    for day in dates:
        start, end = occurrence_bounds(day, start_time, end_time)
        try:
            booking = booking_create(
                resource=resource,
                member=member,
                start=start,
                end=end,
                seats=seats,
                actor=actor,
                idempotency_key=f"{key}:{day.isoformat()}",
                now=now,
            )
        except ApplicationError as refusal:
            result.conflicts.append(Conflict(day, refusal.code, str(refusal.message)))
            continue
        series.bookings.add(booking)  # idempotent: a replayed occurrence is linked once
        result.booked.append(booking)
    return result


def booking_series_cancel(*, series: BookingSeries, actor: Actor, now: dt.datetime | None = None) -> BookingSeries:
    """Cancel every occurrence not yet started (each through booking_cancel: free before its
    deadline, its late fee kept after it, as any booking); those started or past stay. By the
    series' member, a manager of the place or staff. Raises SeriesNotFound for anyone else; a repeat
    cancels nothing more."""
    now = to_utc(now or timezone.now())
    user = acting_user(actor)
    by_member = user is not None and series.member.user_id == user.pk
    if not by_member and (user is None or not is_place_manager(user, series.resource.place_id)):
        raise SeriesNotFound()
    upcoming = series.bookings.filter(status=Booking.Status.CONFIRMED, start__gt=now).order_by("start")
    for booking in upcoming:
        booking_cancel(booking=booking, actor=actor, reason=_("The weekly series was cancelled."), now=now)
    if series.cancelled_at is None:
        with transaction.atomic(durable=True):
            updated = BookingSeries.objects.filter(pk=series.pk, cancelled_at__isnull=True).update(cancelled_at=now)
            if updated:
                audit_record(actor=actor, action="booking_series_cancel", target=series)
        series.refresh_from_db()
    return series
