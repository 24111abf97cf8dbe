"""The transaction kinds of the places' postings, registered with the ledger (places.apps)."""

from django.utils.translation import gettext_lazy as _

from ledger.kinds import TransactionKindSpec

# The euros a guest who is not a member paid at the counter for their booking (world → the place).
BOOKING_COUNTER = "booking_counter"

KINDS = [TransactionKindSpec(BOOKING_COUNTER, _("Booking paid at the counter"))]
