from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = _("Membership")

    def ready(self) -> None:
        from core.audit import register_actions
        from core.inbox import register as register_inbox
        from core.notifications import register as notification_kinds_register
        from core.retention import register as retention_register
        from ledger import memos
        from ledger.kinds import register
        from members import personal_data as personal_data_registry

        from . import personal_data, retention
        from .audit_actions import AUDIT_ACTIONS
        from .inbox import applications_to_decide
        from .kinds import KINDS
        from .memos import MEMOS
        from .notifications import NOTIFICATION_KINDS

        register(*KINDS)
        notification_kinds_register(*NOTIFICATION_KINDS)
        memos.register(*MEMOS)
        register_actions(*AUDIT_ACTIONS)
        register_inbox(applications_to_decide)
        retention_register(*retention.RULES)

        # Their part of a member's personal data export (RGPD), in members.personal_data's registry.
        personal_data_registry.register(*personal_data.SECTIONS)

        # The fees paid in euros at an exchange office count in its cash report (currency's).
        from currency.selectors.comptoirs import cash_source_register

        from .selectors import membership_receipts

        cash_source_register(membership_receipts)
        # What of theirs keeps a member from leaving (/me/close/), in members.leaving's registry.
        from members import leaving as leaving_registry

        from .leaving import obstacles as leaving_obstacles

        leaving_registry.register(leaving_obstacles)
