"""The places' system memos (ledger.memos), registered in places.apps: a booking's hold and its capture."""

from django.utils.translation import gettext_lazy as _

from ledger.memos import MemoSpec

BOOKING = "places.booking"

MEMOS = [MemoSpec(BOOKING, _("Booking of %(resource)s at %(place)s on %(date)s"), dates=("date",))]
