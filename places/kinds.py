"""The transaction kinds of the places' postings, registered with the ledger (places.apps)."""

from django.utils.translation import gettext_lazy as _

from ledger.kinds import TransactionKindSpec

# The euros a guest who is not a member paid at the counter for their booking (world → the place).
BOOKING_COUNTER = "booking_counter"

# A carnet bought: its price (member → the seller) and its credits (the seller's issuer → the carnet).
CARNET_PURCHASE = "carnet_purchase"
# A plan's period paid: its allowances' credits (the seller's issuer → the allowance's account).
CREDIT_GRANT = "credit_grant"
# Credits left unused when a period, a plan or a carnet ends, back to the issuer.
CREDIT_EXPIRY = "credit_expiry"

KINDS = [
    TransactionKindSpec(BOOKING_COUNTER, _("Booking paid at the counter")),
    TransactionKindSpec(CARNET_PURCHASE, _("Carnet bought")),
    TransactionKindSpec(CREDIT_GRANT, _("Booking credits of a plan granted")),
    TransactionKindSpec(CREDIT_EXPIRY, _("Booking credits expired")),
]
