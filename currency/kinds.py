"""The transaction kinds of the local currency's flows, registered with the ledger (currency.apps)."""

from django.utils.translation import gettext_lazy as _

from ledger.kinds import TransactionKindSpec

CONVERSION = "conversion"
RECONVERSION = "reconversion"
DEMURRAGE = "demurrage"
PAYMENT_REQUEST = "payment_request"
# The time bank's: here until the time bank has an app of its own.
SERVICE = "service"
# The yearly membership fee: members/ sits below the ledger and has no kinds module, so the fee's
# kind is declared here (members.services posts it by this code).
MEMBERSHIP = "membership"

KINDS = [
    TransactionKindSpec(CONVERSION, _("Conversion")),
    TransactionKindSpec(RECONVERSION, _("Reconversion")),
    TransactionKindSpec(DEMURRAGE, _("Demurrage")),
    TransactionKindSpec(MEMBERSHIP, _("Membership fee")),
    TransactionKindSpec(PAYMENT_REQUEST, _("Payment request")),
    TransactionKindSpec(SERVICE, _("Time bank service")),
]
