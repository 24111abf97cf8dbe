"""The transaction kinds of the share register, registered with the ledger (cooperative.apps)."""

from django.utils.translation import gettext_lazy as _

from ledger.kinds import TransactionKindSpec

SHARE_SUBSCRIPTION = "share_subscription"
SHARE_REDEMPTION = "share_redemption"

KINDS = [
    TransactionKindSpec(SHARE_SUBSCRIPTION, _("Share subscription")),
    TransactionKindSpec(SHARE_REDEMPTION, _("Share redemption")),
]
