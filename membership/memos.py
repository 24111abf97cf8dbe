"""Membership's system memos (ledger.memos), registered in membership.apps."""

from django.utils.translation import gettext_lazy as _

from ledger.memos import MemoSpec

MEMBERSHIP_PERIOD = "membership.period"

MEMOS = [MemoSpec(MEMBERSHIP_PERIOD, _("Membership from %(start)s to %(end)s"), dates=("start", "end"))]
