"""Reads of bookings: who sees which, and what a cancellation would cost now."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.typing import RequestUser
from ledger.models import Account
from ledger.services import system_account
from places.errors import BookingNotFound
from places.models import Booking, Place

from .roles import managed_place_ids, reads_every_booking


def bookings_visible_to(user: RequestUser, *, place: Place | int | None = None) -> QuerySet[Booking]:
    """The member's own bookings, those of the places they manage, every one for staff and auditors;
    only those of `place` when given."""
    rows = Booking.objects.select_related("resource", "resource__place", "member", "hold")
    if not user.is_authenticated:
        return rows.none()
    if not reads_every_booking(user):
        rows = rows.filter(Q(member__user_id=user.pk) | Q(resource__place_id__in=managed_place_ids(user)))
    if place is not None:
        rows = rows.filter(resource__place_id=place if isinstance(place, int) else place.pk)
    return rows.order_by("start", "id")


def booking_get_visible(user: RequestUser, pk: int) -> Booking:
    """A booking its member, the place's managers, staff and auditors see; BookingNotFound for anyone else."""
    booking = bookings_visible_to(user).filter(pk=pk).first()
    if booking is None:
        raise BookingNotFound()
    return booking


def place_account(place: Place, unit: str) -> Account:
    """The place's ledger account in `unit` (system account `place`, opened on first use)."""
    return system_account(Account.SystemCode.PLACE, unit, place.account_reference)


def cancel_deadline(booking: Booking) -> dt.datetime:
    """Until when the member cancels for free."""
    return booking.start - dt.timedelta(hours=booking.resource.cancel_deadline_hours)


def late_fee(booking: Booking) -> int:
    """What a late cancellation or a no-show keeps, in minor units (rounded down)."""
    return booking.price * booking.resource.late_cancel_fee_percent // 100


def cancellation_fee(booking: Booking, *, now: dt.datetime | None = None) -> int:
    """The minor units a cancellation by the member would keep now: 0 before the deadline (and for
    a booking that is no longer confirmed, and for a guest's at the counter: nothing is held), the
    late fee after it."""
    now = now or timezone.now()
    if booking.member_id is None or booking.status != Booking.Status.CONFIRMED or now < cancel_deadline(booking):
        return 0
    return late_fee(booking)


def member_upcoming_bookings(member_id: int, *, now: dt.datetime | None = None) -> QuerySet[Booking]:
    """A member's confirmed bookings that have not ended."""
    now = now or timezone.now()
    return Booking.objects.filter(member_id=member_id, status=Booking.Status.CONFIRMED, end__gt=now)
