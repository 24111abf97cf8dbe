"""The transaction kinds of the local currency's flows, registered with the ledger (currency.apps)."""

from django.utils.translation import gettext_lazy as _

from ledger.kinds import TransactionKindSpec

CONVERSION = "conversion"
RECONVERSION = "reconversion"
DEMURRAGE = "demurrage"
PAYMENT_REQUEST = "payment_request"

KINDS = [
    TransactionKindSpec(CONVERSION, _("Conversion")),
    TransactionKindSpec(RECONVERSION, _("Reconversion")),
    TransactionKindSpec(DEMURRAGE, _("Demurrage")),
    TransactionKindSpec(PAYMENT_REQUEST, _("Payment request"), member_payment=True),
]
