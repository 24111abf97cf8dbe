"""The transaction kinds of the time bank, registered with the ledger (timebank.apps)."""

from django.utils.translation import gettext_lazy as _

from ledger.kinds import TransactionKindSpec

SERVICE = "service"

KINDS = [TransactionKindSpec(SERVICE, _("Time bank service"), member_payment=True)]
