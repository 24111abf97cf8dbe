from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperativeConfig(AppConfig):
    name = "cooperative"
    verbose_name = _("Cooperative")

    def ready(self) -> None:
        from core.audit import register_actions
        from core.inbox import register as register_inbox
        from ledger import memos
        from ledger.kinds import register

        from .audit_actions import AUDIT_ACTIONS
        from .inbox import requests_to_approve
        from .kinds import KINDS
        from .memos import MEMOS

        register(*KINDS)
        register_inbox(requests_to_approve)
        memos.register(*MEMOS)
        register_actions(*AUDIT_ACTIONS)
