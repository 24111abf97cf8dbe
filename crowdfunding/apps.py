from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrowdfundingConfig(AppConfig):
    name = "crowdfunding"
    verbose_name = _("Crowdfunding")

    def ready(self) -> None:
        from core.audit import register_actions
        from ledger import memos
        from ledger.kinds import register

        from .audit_actions import AUDIT_ACTIONS
        from .kinds import KINDS
        from .memos import MEMOS

        register(*KINDS)
        memos.register(*MEMOS)
        register_actions(*AUDIT_ACTIONS)
