"""The cooperatives' system memos (ledger.memos), registered in cooperative.apps."""

from django.utils.translation import gettext_lazy as _

from ledger.memos import MemoSpec

SUBSCRIPTION = "cooperative.subscription"
REDEMPTION = "cooperative.redemption"

MEMOS = [
    MemoSpec(SUBSCRIPTION, _("Subscription of %(quantity)d %(code)s shares by %(name)s")),
    MemoSpec(REDEMPTION, _("Redemption of %(quantity)d %(code)s shares of %(name)s")),
]
