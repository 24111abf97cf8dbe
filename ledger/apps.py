from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core.audit import register_actions
        from core.inbox import register as register_inbox
        from core.notifications import register as notification_kinds_register
        from members import personal_data as personal_data_registry

        from . import kinds, memos, personal_data
        from .audit_actions import AUDIT_ACTIONS
        from .inbox import audit_shortcut, failed_exports
        from .notifications import NOTIFICATION_KINDS

        kinds.register(*kinds.LEDGER_KINDS)
        memos.register(*memos.LEDGER_MEMOS)
        register_actions(*AUDIT_ACTIONS)
        register_inbox(failed_exports, audit_shortcut)
        notification_kinds_register(*NOTIFICATION_KINDS)
        post_migrate.connect(kinds.kinds_sync, sender=self, dispatch_uid="ledger.kinds_sync")

        # Their part of a member's personal data export (RGPD), in members.personal_data's registry.
        personal_data_registry.register(*personal_data.SECTIONS)
        personal_data.exemptions()
        personal_data.erasers()
