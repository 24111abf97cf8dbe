"""The transaction kinds of membership (the yearly fee), registered with the ledger (membership.apps)."""

from django.utils.translation import gettext_lazy as _

from ledger.kinds import TransactionKindSpec

MEMBERSHIP = "membership"

KINDS = [TransactionKindSpec(MEMBERSHIP, _("Membership fee"))]
