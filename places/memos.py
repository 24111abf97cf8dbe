"""The places' system memos (ledger.memos), registered in places.apps: a booking's hold and its capture, a
guest's booking paid in euros at the counter."""

from django.utils.translation import gettext_lazy as _

from ledger.memos import MemoSpec

BOOKING = "places.booking"
BOOKING_COUNTER = "places.booking_counter"

MEMOS = [
    MemoSpec(BOOKING, _("Booking of %(resource)s at %(place)s on %(date)s"), dates=("date",)),
    MemoSpec(BOOKING_COUNTER, _("Paid at the counter: %(resource)s at %(place)s on %(date)s"), dates=("date",)),
]
