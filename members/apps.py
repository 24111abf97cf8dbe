from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from core.audit import register_actions
        from core.notifications import register as notification_kinds_register
        from core.retention import register as retention_register

        from . import (
            personal_data,
            personal_data_sections,
            retention,
            sessions,  # noqa: F401  (connects the login and logout receivers)
        )
        from .audit_actions import AUDIT_ACTIONS
        from .notifications import NOTIFICATION_KINDS

        register_actions(*AUDIT_ACTIONS)

        personal_data.register(*personal_data_sections.SECTIONS)
        personal_data_sections.exemptions()
        personal_data_sections.erase_steps()
        notification_kinds_register(*NOTIFICATION_KINDS)
        retention_register(*retention.RULES)
