"""The time bank's system memos (ledger.memos), registered in timebank.apps."""

from django.utils.translation import gettext_lazy as _

from ledger.memos import MemoSpec

VOLUNTEERING = "timebank.volunteering"

MEMOS = [MemoSpec(VOLUNTEERING, _("Volunteering: %(description)s"))]
