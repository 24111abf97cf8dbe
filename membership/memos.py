"""Membership's system memos (ledger.memos), registered in membership.apps."""

from django.utils.translation import gettext_lazy as _

from ledger.memos import MemoSpec

MEMBERSHIP_PERIOD = "membership.period"
# Leaving: what is left of a member's ACH given to the community fund, and what is left of hours or
# SEL units written off to the network by an administrator's decision (the reason is in the audit
# log, not in the sealed memo).
LEAVING_GIFT = "membership.leaving_gift"
LEAVING_WRITE_OFF = "membership.leaving_write_off"

MEMOS = [
    MemoSpec(MEMBERSHIP_PERIOD, _("Membership from %(start)s to %(end)s"), dates=("start", "end")),
    MemoSpec(LEAVING_GIFT, _("Gift of what was left to the community fund, on leaving")),
    MemoSpec(LEAVING_WRITE_OFF, _("Balance written off on leaving, by decision of the network")),
]
