from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Exchange")

    def ready(self) -> None:
        from core.audit import register_actions
        from core.inbox import register as register_inbox
        from core.notifications import register as notification_kinds_register
        from ledger import memos
        from members import personal_data as personal_data_registry

        from . import personal_data
        from .audit_actions import AUDIT_ACTIONS
        from .inbox import disputes_to_resolve, exchanges_to_answer
        from .memos import MEMOS
        from .notifications import NOTIFICATION_KINDS

        register_inbox(exchanges_to_answer, disputes_to_resolve)
        notification_kinds_register(*NOTIFICATION_KINDS)
        memos.register(*MEMOS)
        register_actions(*AUDIT_ACTIONS)

        # Their part of a member's personal data export (RGPD), in members.personal_data's registry.
        personal_data_registry.register(*personal_data.SECTIONS)

        # What of theirs keeps a member from leaving (/me/close/), in members.leaving's registry.
        from members import leaving as leaving_registry

        from .leaving import obstacles as leaving_obstacles

        leaving_registry.register(leaving_obstacles)
