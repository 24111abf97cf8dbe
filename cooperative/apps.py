from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperativeConfig(AppConfig):
    name = "cooperative"
    verbose_name = _("Cooperative")

    def ready(self) -> None:
        from ledger import memos
        from ledger.kinds import register

        from .kinds import KINDS
        from .memos import MEMOS

        register(*KINDS)
        memos.register(*MEMOS)
