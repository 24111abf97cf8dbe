"""The places' system memos (ledger.memos), registered in places.apps: a booking's hold and its capture, a
guest's booking paid in euros at the counter."""

from django.utils.translation import gettext_lazy as _

from ledger.memos import MemoSpec

BOOKING = "places.booking"
BOOKING_COUNTER = "places.booking_counter"
CARNET_PURCHASE = "places.carnet_purchase"
CREDIT_GRANT = "places.credit_grant"
CREDIT_EXPIRY = "places.credit_expiry"

MEMOS = [
    MemoSpec(BOOKING, _("Booking of %(resource)s at %(place)s on %(date)s"), dates=("date",)),
    MemoSpec(BOOKING_COUNTER, _("Paid at the counter: %(resource)s at %(place)s on %(date)s"), dates=("date",)),
    MemoSpec(CARNET_PURCHASE, _("Carnet “%(offer)s”")),
    MemoSpec(CREDIT_GRANT, _("Plan “%(plan)s”, period %(period)s")),
    MemoSpec(CREDIT_EXPIRY, _("Unused credits of “%(name)s”")),
]
