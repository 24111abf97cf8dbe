"""The marketplace's system memos (ledger.memos), registered in exchange.apps."""

from django.utils.translation import gettext_lazy as _

from ledger.memos import MemoSpec

EXCHANGE = "exchange.exchange"

MEMOS = [MemoSpec(EXCHANGE, _("Exchange #%(id)s"))]
