"""Every write of the places, by subject. Callers write `from places.services import booking_create`."""

from places.services.bookings import (
    booking_cancel,
    booking_check_in,
    booking_create,
    booking_mark_no_show,
)
from places.services.counter import booking_create_at_counter
from places.services.counter_payment import counter_payment_record
from places.services.photos import place_photo_add, place_photo_delete
from places.services.qualifications import qualification_grant, qualification_revoke
from places.services.series import booking_series_cancel, booking_series_create
from places.services.settlement import booking_settle, bookings_settle_chunk, bookings_settle_due

__all__ = [
    "booking_cancel",
    "booking_check_in",
    "booking_create",
    "booking_create_at_counter",
    "booking_mark_no_show",
    "booking_series_cancel",
    "booking_series_create",
    "booking_settle",
    "bookings_settle_chunk",
    "bookings_settle_due",
    "counter_payment_record",
    "place_photo_add",
    "place_photo_delete",
    "qualification_grant",
    "qualification_revoke",
]
