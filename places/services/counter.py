"""Bookings at the counter: a manager of the place books for a guest who is not a member, who pays
in euros when they come.

Nothing is held (the guest has no account): the booking only takes its seats, under the same
family locks, time rules, idempotency and audit as a member's (places.services.bookings). The euros
are recorded when the guest is checked in (places.services.counter_payment, called by booking_check_in):
one posting world → the place's EUR account, keyed `booking-counter:<booking id>` so that it is
written once. A counter booking cancelled (in time or late) or whose guest did not come posts
nothing: nothing was paid, and there is no late fee to take from anyone.

Not in currency's cash report: places may not import currency (its `cash_source_register`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from places.availability import family_ids, seats_free_for
from places.errors import MembersOnly, ResourceNotFound, SlotUnavailable, UnitNotAccepted
from places.locks import resources_lock
from places.models import Booking, Resource
from places.openings import to_utc
from places.selectors.quote import booking_interval, booking_price
from places.selectors.roles import is_place_manager
from places.services.bookings import _check_times, _replay
from places.services.counter_payment import COUNTER_UNIT

__all__ = ["COUNTER_UNIT", "booking_create_at_counter"]

logger = logging.getLogger("bocage.places")


def _request_hash(
    resource: Resource, guest_name: str, guest_phone: str, start: dt.datetime, end: dt.datetime, seats: int
) -> str:
    payload = ["counter", resource.pk, guest_name, guest_phone, start.isoformat(), end.isoformat(), seats]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _counter_price_per_step(resource: Resource) -> int:
    """The EUR price per step (0 for a resource without any price); UnitNotAccepted when the place
    takes no euros or the resource is priced in other units only."""
    prices = {price.unit: price.amount for price in resource.prices.all()}
    if COUNTER_UNIT not in resource.place.units or (prices and COUNTER_UNIT not in prices):
        raise UnitNotAccepted(_("This resource cannot be paid in euros at the counter."))
    return prices.get(COUNTER_UNIT, 0)


def booking_create_at_counter(
    *,
    resource: Resource,
    guest_name: str,
    guest_phone: str = "",
    start: dt.datetime,
    end: dt.datetime,
    seats: int = 1,
    actor: Actor,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Book `seats` of `resource` for `[start, end)` for a guest who is not a member, paid in euros
    at the counter; by a manager of the place (or staff). Nothing is held or posted.

    Raises PermissionDenied (not a manager of this place), InvalidInput (naive times, seats < 1, no
    name, too long), ResourceNotFound, MembersOnly (a members-only resource), UnitNotAccepted (no
    euros here), the time rules' errors (InThePast, TooFarAhead, InvalidDuration,
    OutsideOpeningHours), SlotUnavailable, IdempotencyKeyReused; nothing is written when refused.
    The same key and request return the first booking.
    """
    user = acting_user(actor)
    if user is None or not is_place_manager(user, resource.place_id):
        raise PermissionDenied(_("Only the place's managers may book for a guest."))
    guest_name, guest_phone = (guest_name or "").strip(), (guest_phone or "").strip()
    if not guest_name:
        raise InvalidInput(fields={"guest_name": [_("Give the guest's name.")]})
    if len(guest_name) > 150:
        raise InvalidInput(fields={"guest_name": [_("At most 150 characters.")]})
    if len(guest_phone) > 30:
        raise InvalidInput(fields={"guest_phone": [_("At most 30 characters.")]})
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidInput(fields={"start": [_("Give the time with its offset.")]})
    if isinstance(seats, bool):  # the counter refuses a boolean where the seats go
        raise InvalidInput(fields={"seats": [_("At least one seat.")]})
    start, end = booking_interval(start, end, seats)
    now = to_utc(now or timezone.now())
    request_hash = _request_hash(resource, guest_name, guest_phone, start, end, seats)
    replayed = _replay(idempotency_key, request_hash)
    if replayed is not None:
        return replayed

    def attempt() -> Booking:
        with transaction.atomic(durable=True):
            locked = resources_lock([resource.pk, *family_ids(resource)])
            current = locked.get(resource.pk)
            if current is None or not current.active or not current.place.public:
                raise ResourceNotFound()
            again = _replay(idempotency_key, request_hash)
            if again is not None:
                return again
            if current.members_only:
                raise MembersOnly()
            per_step = _counter_price_per_step(current)
            _check_times(current, start, end, now)
            needed = seats if current.shared else current.capacity
            if seats > current.capacity or seats_free_for(current, start, end) < needed:
                raise SlotUnavailable()
            price = booking_price(current, start, end, seats, per_step)
            booking = Booking.objects.create(
                resource=current,
                member=None,
                guest_name=guest_name,
                guest_phone=guest_phone,
                start=start,
                end=end,
                blocks_until=end + dt.timedelta(minutes=current.buffer_minutes),
                seats=seats,
                exclusive=not current.shared or seats >= current.capacity,
                status=Booking.Status.CONFIRMED,
                unit=COUNTER_UNIT,
                price=price,
                hold=None,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                created_by=user,
                created_at=now,
            )
            # The audit log names no guest (it is kept for years; the name goes after retention).
            audit_record(
                actor=actor,
                action="booking_create_at_counter",
                target=booking,
                resource=current.pk,
                start=start.isoformat(),
                end=end.isoformat(),
                seats=seats,
                price=price,
            )
            return booking

    try:
        return with_retries(attempt)
    except IntegrityError as exc:
        replayed = _replay(idempotency_key, request_hash)
        if replayed is not None:
            return replayed
        logger.info("counter booking refused by the database: %s", exc)
        raise SlotUnavailable() from exc
