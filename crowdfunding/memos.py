"""Crowdfunding's system memos (ledger.memos), registered in crowdfunding.apps."""

from django.utils.translation import gettext_lazy as _

from ledger.memos import MemoSpec

PLEDGE_HELD = "crowdfunding.pledge_held"
MATCH_HELD = "crowdfunding.match_held"
PLEDGE_COLLECTED = "crowdfunding.pledge_collected"
PAYOUT = "crowdfunding.payout"

MEMOS = [
    MemoSpec(PLEDGE_HELD, _("Pledge to “%(title)s” (campaign #%(id)s), held until the deadline")),
    MemoSpec(MATCH_HELD, _("Matching of “%(title)s” (campaign #%(id)s)")),
    MemoSpec(PLEDGE_COLLECTED, _("Pledge to “%(title)s” (campaign #%(id)s) collected: the campaign succeeded")),
    MemoSpec(PAYOUT, _("Payout of campaign “%(title)s” (#%(id)s)")),
]
