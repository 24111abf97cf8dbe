from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = _("Membership")

    def ready(self) -> None:
        from core.audit import register_actions
        from core.notifications import register as notification_kinds_register
        from ledger import memos
        from ledger.kinds import register

        from .audit_actions import AUDIT_ACTIONS
        from .kinds import KINDS
        from .memos import MEMOS
        from .notifications import NOTIFICATION_KINDS

        register(*KINDS)
        notification_kinds_register(*NOTIFICATION_KINDS)
        memos.register(*MEMOS)
        register_actions(*AUDIT_ACTIONS)
