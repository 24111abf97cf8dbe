"""The transaction kinds of crowdfunding, registered with the ledger (crowdfunding.apps)."""

from django.utils.translation import gettext_lazy as _

from ledger.kinds import TransactionKindSpec

CAMPAIGN_PAYOUT = "campaign_payout"

KINDS = [TransactionKindSpec(CAMPAIGN_PAYOUT, _("Campaign payout"))]
