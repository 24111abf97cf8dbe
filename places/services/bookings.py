"""Bookings, settled by ledger holds: book, cancel, check in, mark a no-show, settle at the end.

A booking's price is held on the member's account towards the place's account (system account
`place`, reference `place:<id>`) when it is made; captured in full at check-in or by the beat once
the booking has ended; voided on a timely cancellation (or any cancellation by the place); its
late fee captured, and the rest released, on a late cancellation or a no-show. The hold is the
only money state: the booking's `fee` records what a late cancellation or a no-show kept.

A member's credits pay first (a plan's allowances, then carnets: places/services/booking_credits.py);
each source gets its own hold, resolved with the money's at each step; `price` is the money rest.

Making a booking locks its resource's family (places.locks) before counting the seats, then
creates the hold and the booking in the same transaction: two bookings racing for the last seat
never both pass. The database refuses an overbooking anyway (places/migrations/0002): if one
slipped through, its refusal is answered as slot_unavailable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.idempotency import existing_for_key
from core.retries import with_retries
from core.typing import Actor, acting_user
from ledger import memos
from ledger.errors import HoldAlreadyResolved
from ledger.models import Hold
from ledger.selectors import hold_get, member_account
from ledger.services import hold_capture, hold_create, hold_void
from ledger.units import get_unit
from members.models import Member
from members.selectors import member_or_none
from places.availability import family_ids, seats_free_for
from places.errors import (
    BookingNotCancellable,
    BookingNotFound,
    CheckInNotAllowed,
    InThePast,
    InvalidDuration,
    MembershipExpired,
    NoShowNotAllowed,
    OutsideOpeningHours,
    QualificationRequired,
    ResourceNotFound,
    SlotUnavailable,
    TooFarAhead,
)
from places.locks import booking_lock, resources_lock
from places.memos import BOOKING as BOOKING_MEMO
from places.models import Booking, MemberQualification, Resource
from places.notifications import booking_cancelled_by_place_notify, booking_confirmed_notify
from places.openings import local_zone, opening_containing, to_utc
from places.selectors.bookings import cancel_deadline, late_fee, place_account
from places.selectors.quote import booking_interval, booking_price, price_per_step
from places.selectors.roles import is_place_manager
from places.services.booking_credits import (
    credits_capture,
    credits_hold,
    credits_keep_percent,
    locked_split,
)
from places.services.counter_payment import counter_payment_record

__all__ = [
    "CHECK_IN_EARLY_MINUTES",
    "booking_cancel",
    "booking_check_in",
    "booking_create",
    "booking_mark_no_show",
    "booking_price",
]

logger = logging.getLogger("bocage.places")

# A manager may check a member in this long before the start.
CHECK_IN_EARLY_MINUTES = 30

S = Booking.Status


# --- making a booking ---------------------------------------------------------------------------


def _request_hash(
    resource: Resource, member: Member, start: dt.datetime, end: dt.datetime, seats: int, unit: str | None
) -> str:
    payload = ["booking", resource.pk, member.pk, to_utc(start).isoformat(), to_utc(end).isoformat(), seats, unit or ""]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _replay(idempotency_key: str | None, request_hash: str) -> Booking | None:
    """The booking already made with this key (the same request), or None; IdempotencyKeyReused for another request."""
    replayed: Booking | None = existing_for_key(Booking, idempotency_key, request_hash)
    return replayed


def _check_times(resource: Resource, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> None:
    """The rules of time, in the order a member would fix them: too soon, too far, too short or
    too long, outside the opening or off its steps."""
    if start < now + dt.timedelta(minutes=resource.lead_minutes):
        raise InThePast()
    if start > now + dt.timedelta(days=resource.horizon_days):
        raise TooFarAhead()
    minutes = (end - start).total_seconds() / 60
    if minutes < resource.min_minutes or minutes > resource.max_minutes:
        raise InvalidDuration(
            _("A booking of %(name)s lasts from %(min)s to %(max)s minutes.")
            % {"name": resource.name, "min": resource.min_minutes, "max": resource.max_minutes}
        )
    opening = opening_containing(resource.place, start, end, resource=resource)
    step = dt.timedelta(minutes=resource.step_minutes)
    if opening is None or (start - opening.start) % step:
        raise OutsideOpeningHours()
    if (end - start) % step and end != opening.end:
        raise InvalidDuration(
            _("A booking of %(name)s lasts a whole number of %(step)s-minute steps.")
            % {"name": resource.name, "step": resource.step_minutes}
        )


def _check_member(resource: Resource, member: Member, now: dt.datetime) -> None:
    if (
        resource.qualification_id is not None
        and not MemberQualification.objects.filter(
            qualification_id=resource.qualification_id, member=member, revoked_at__isnull=True
        ).exists()
    ):
        raise QualificationRequired()
    if resource.members_only and not member.membership_valid_on(timezone.localdate(now)):
        raise MembershipExpired()


def booking_create(
    *,
    resource: Resource,
    member: Member,
    start: dt.datetime,
    end: dt.datetime,
    seats: int = 1,
    unit: str | None = None,
    actor: Actor,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Book `seats` of `resource` for `[start, end)` for `member` (the actor themself): their credits
    are held first (allowances, carnets), the price of the rest on their account.

    Raises PermissionDenied (booking for someone else), InvalidInput (naive times, seats < 1),
    ResourceNotFound (inactive, or of a place not public), InThePast, TooFarAhead, InvalidDuration,
    OutsideOpeningHours, UnitNotAccepted, QualificationRequired, MembershipExpired,
    SlotUnavailable, IdempotencyKeyReused, and the ledger's refusals (InsufficientFunds,
    AccountFrozen…); nothing is written when refused. The same key and request return the first booking.
    """
    caller = member_or_none(actor)
    if caller is None or caller.pk != member.pk:
        raise PermissionDenied(_("You may only book for yourself."))
    start, end = booking_interval(start, end, seats)
    now = to_utc(now or timezone.now())
    request_hash = _request_hash(resource, member, start, end, seats, unit)
    replayed = _replay(idempotency_key, request_hash)
    if replayed is not None:
        return replayed

    def attempt() -> Booking:
        with transaction.atomic(durable=True):
            locked = resources_lock([resource.pk, *family_ids(resource)])
            current = locked.get(resource.pk)
            if current is None or not current.active or not current.place.public:
                raise ResourceNotFound()
            # Under the lock: a twin with the same key that committed meanwhile is found here.
            again = _replay(idempotency_key, request_hash)
            if again is not None:
                return again
            _check_times(current, start, end, now)
            code, per_step = price_per_step(current, unit)
            _check_member(current, member, now)
            # A resource not shared is taken whole: every seat of it must be free.
            needed = seats if current.shared else current.capacity
            if seats > current.capacity or seats_free_for(current, start, end) < needed:
                raise SlotUnavailable()
            # The member's credits first (allowances, carnets), their accounts locked; money for the rest.
            split = locked_split(
                resource=current, member=member, start=start, end=end, seats=seats, money_unit=code, per_step=per_step
            )
            code, price = split.money_unit, split.money_amount
            hold = _hold(current, member, code, price, start, end, actor)
            booking = Booking.objects.create(
                resource=current,
                member=member,
                start=start,
                end=end,
                blocks_until=end + dt.timedelta(minutes=current.buffer_minutes),
                seats=seats,
                exclusive=not current.shared or seats >= current.capacity,
                status=S.CONFIRMED,
                unit=code,
                price=price,
                hold=hold,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                created_by=acting_user(actor),
                created_at=now,
            )
            credits_hold(booking=booking, quote=split, actor=actor)
            audit_record(
                actor=actor,
                action="booking_create",
                target=booking,
                resource=current.pk,
                start=start.isoformat(),
                end=end.isoformat(),
                seats=seats,
                price=price,
                credits=[[line.source, line.unit, line.amount] for line in split.credit_lines],
            )
            booking_confirmed_notify(booking)
            return booking

    try:
        return with_retries(attempt)
    except IntegrityError as exc:
        # A twin with the same key committed first, or the database refused an overbooking.
        replayed = _replay(idempotency_key, request_hash)
        if replayed is not None:
            return replayed
        logger.info("booking refused by the database: %s", exc)
        raise SlotUnavailable() from exc


def _hold(
    resource: Resource, member: Member, unit: str, price: int, start: dt.datetime, end: dt.datetime, actor: Actor
) -> Hold | None:
    """Hold the price towards the place, until a margin after the end. None when nothing is owed
    through the ledger: free, or paid at the counter (a unit without member accounts: euros)."""
    if price == 0 or not get_unit(unit).member_account:
        return None
    place = resource.place
    return hold_create(
        from_account=member_account(member, unit),
        to_account=place_account(place, unit),
        amount=get_unit(unit).to_money(price),
        memo=memos.memo(BOOKING_MEMO, resource=resource.name, place=place.name, date=start.astimezone(local_zone())),
        actor=actor,
        expires_at=end + dt.timedelta(hours=settings.BOCAGE_PLACES_HOLD_MARGIN_HOURS),
    )


# --- changing a booking -------------------------------------------------------------------------


def _pending_hold(booking: Booking) -> Hold | None:
    if booking.hold_id is None:
        return None
    hold = hold_get(booking.hold_id)
    return hold if hold.status == Hold.Status.PENDING else None


def _keep_fee(booking: Booking, fee: int, actor: Actor) -> int:
    """Capture `fee` of the booking's hold and release the rest; void it for a fee of 0. Returns
    what was kept (0 if the hold had already expired: nothing left to take)."""
    hold = _pending_hold(booking)
    if hold is None:
        return 0
    if fee <= 0:
        hold_void(hold=hold, actor=actor, flow=True)
        return 0
    try:
        hold_capture(hold=hold, actor=actor, amount=get_unit(hold.unit).to_money(min(fee, hold.amount)), flow=True)
    except HoldAlreadyResolved:
        return 0
    return min(fee, hold.amount)


def _is_manager(booking: Booking, actor: Actor) -> bool:
    user = acting_user(actor)
    return user is not None and is_place_manager(user, booking.resource.place_id)


def _is_member(booking: Booking, actor: Actor) -> bool:
    user = acting_user(actor)
    return user is not None and booking.member is not None and booking.member.user_id == user.pk


def booking_cancel(*, booking: Booking, actor: Actor, reason: str = "", now: dt.datetime | None = None) -> Booking:
    """Cancel a booking: by its member before the start (free before the deadline, the late fee
    kept after it), or by a manager of the place or staff (always free, the member notified). A
    guest's booking at the counter (places.services.counter) is cancelled by a manager and posts
    nothing, in time or late: nothing was held or paid.

    Raises BookingNotFound (a stranger), BookingNotCancellable; a repeat returns the booking unchanged.
    """
    now = to_utc(now or timezone.now())
    if len(reason) > 300:
        raise InvalidInput(fields={"reason": [_("At most 300 characters.")]})

    def attempt() -> Booking:
        with transaction.atomic(durable=True):
            locked = booking_lock(booking.pk)
            by_member = _is_member(locked, actor)
            by_place = not by_member and _is_manager(locked, actor)
            if not by_member and not by_place:
                raise BookingNotFound()
            if locked.status == S.CANCELLED:
                return locked
            if locked.status != S.CONFIRMED or (by_member and now >= locked.start):
                raise BookingNotCancellable()
            late = by_member and now >= cancel_deadline(locked)
            fee = late_fee(locked) if late else 0
            locked.fee = _keep_fee(locked, fee, actor)
            credits_keep_percent(
                booking=locked, percent=locked.resource.late_cancel_fee_percent if late else 0, actor=actor
            )
            locked.status = S.CANCELLED
            locked.cancelled_at = now
            locked.cancelled_by = acting_user(actor)
            locked.cancel_reason = reason
            locked.save(update_fields=["fee", "status", "cancelled_at", "cancelled_by", "cancel_reason"])
            audit_record(actor=actor, action="booking_cancel", target=locked, reason=reason, fee=locked.fee)
            if by_place and locked.member_id is not None:
                booking_cancelled_by_place_notify(locked, reason)
            return locked

    return with_retries(attempt)


def _manager_lock(booking: Booking, actor: Actor) -> Booking:
    """Lock the booking for a manager's action; BookingNotFound for someone who may only read it,
    PermissionDenied for its member (who sees it but does not check themself in)."""
    locked = booking_lock(booking.pk)
    if not _is_manager(locked, actor):
        if _is_member(locked, actor):
            raise PermissionDenied(_("Only the place's managers may do this."))
        raise BookingNotFound()
    return locked


def booking_check_in(*, booking: Booking, actor: Actor, now: dt.datetime | None = None) -> Booking:
    """A manager of the place (or staff) checks the member in, from 30 minutes before the start to
    the end: the hold is captured in full. For a guest's booking at the counter, the euros received
    are recorded instead (world → the place's EUR account, once: counter_payment_record). Raises
    BookingNotFound, PermissionDenied, CheckInNotAllowed; a repeat returns the booking unchanged."""
    now = to_utc(now or timezone.now())

    def attempt() -> Booking:
        with transaction.atomic(durable=True):
            locked = _manager_lock(booking, actor)
            if locked.status == S.CHECKED_IN:
                return locked
            if (
                locked.status != S.CONFIRMED
                or now < locked.start - dt.timedelta(minutes=CHECK_IN_EARLY_MINUTES)
                or now >= locked.end
            ):
                raise CheckInNotAllowed()
            hold = _pending_hold(locked)
            if hold is not None:
                hold_capture(hold=hold, actor=actor, flow=True)
            credits_capture(booking=locked, actor=actor)
            if locked.member_id is None:
                counter_payment_record(locked, actor)
            locked.status = S.CHECKED_IN
            locked.checked_in_at = now
            locked.settled_at = now
            locked.save(update_fields=["status", "checked_in_at", "settled_at"])
            audit_record(actor=actor, action="booking_check_in", target=locked)
            return locked

    return with_retries(attempt)


def booking_mark_no_show(*, booking: Booking, actor: Actor, now: dt.datetime | None = None) -> Booking:
    """A manager (or staff), after the start of a booking not yet settled: the late fee is kept, the
    rest released, as for a late cancellation (a guest's booking at the counter: nothing posted,
    nothing was paid). Raises BookingNotFound, PermissionDenied,
    NoShowNotAllowed; a repeat returns the booking unchanged."""
    now = to_utc(now or timezone.now())

    def attempt() -> Booking:
        with transaction.atomic(durable=True):
            locked = _manager_lock(booking, actor)
            if locked.status == S.NO_SHOW:
                return locked
            if locked.status != S.CONFIRMED or now < locked.start:
                raise NoShowNotAllowed()
            locked.fee = _keep_fee(locked, late_fee(locked), actor)
            credits_keep_percent(booking=locked, percent=locked.resource.late_cancel_fee_percent, actor=actor)
            locked.status = S.NO_SHOW
            locked.settled_at = now
            locked.save(update_fields=["fee", "status", "settled_at"])
            audit_record(actor=actor, action="booking_no_show", target=locked, fee=locked.fee)
            return locked

    return with_retries(attempt)
