"""The cooperatives' system memos (ledger.memos), registered in cooperative.apps."""

from django.utils.translation import ngettext_lazy

from ledger.memos import MemoSpec

SUBSCRIPTION = "cooperative.subscription"
REDEMPTION = "cooperative.redemption"

MEMOS = [
    MemoSpec(
        SUBSCRIPTION,
        ngettext_lazy(
            "Subscription of %(quantity)d %(code)s share by %(name)s",
            "Subscription of %(quantity)d %(code)s shares by %(name)s",
            "quantity",
        ),
    ),
    MemoSpec(
        REDEMPTION,
        ngettext_lazy(
            "Redemption of %(quantity)d %(code)s share of %(name)s",
            "Redemption of %(quantity)d %(code)s shares of %(name)s",
            "quantity",
        ),
    ),
]
