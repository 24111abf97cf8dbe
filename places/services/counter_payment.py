"""The euros a guest booked at the counter pays when they come (places.services.counter): posted
world → the place's EUR account at check-in, once. Apart from counter.py so that
places.services.bookings (check-in) calls it without an import cycle."""

from __future__ import annotations

from core.typing import Actor
from ledger import memos
from ledger.models import Account, Transaction
from ledger.services import system_account, transaction_post
from ledger.units import get_unit
from places.kinds import BOOKING_COUNTER
from places.memos import BOOKING_COUNTER as BOOKING_COUNTER_MEMO
from places.models import Booking
from places.openings import local_zone
from places.selectors.bookings import place_account

__all__ = ["COUNTER_UNIT", "counter_payment_record"]

# What a guest pays in at the counter.
COUNTER_UNIT = "EUR"


def counter_payment_record(booking: Booking, actor: Actor) -> Transaction | None:
    """Record the euros a guest paid at the counter for `booking`: world → the place's EUR account,
    keyed `booking-counter:<id>` (posted once, however often called). None for a member's booking
    or a free one. Called inside booking_check_in's transaction."""
    if booking.member_id is not None or booking.price == 0:
        return None
    place = booking.resource.place
    amount = get_unit(booking.unit).to_money(booking.price)
    return transaction_post(
        legs=[
            (system_account(Account.SystemCode.WORLD, booking.unit), -amount),
            (place_account(place, booking.unit), amount),
        ],
        kind=BOOKING_COUNTER,
        memo=memos.memo(
            BOOKING_COUNTER_MEMO,
            resource=booking.resource.name,
            place=place.name,
            date=booking.start.astimezone(local_zone()),
        ),
        actor=actor,
        idempotency_key=f"booking-counter:{booking.pk}",
    )
