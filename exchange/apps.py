from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Exchange")

    def ready(self) -> None:
        from core.audit import register_actions
        from ledger import memos

        from .audit_actions import AUDIT_ACTIONS
        from .memos import MEMOS

        memos.register(*MEMOS)
        register_actions(*AUDIT_ACTIONS)
