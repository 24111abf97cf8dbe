from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = _("Places")

    def ready(self) -> None:
        from core.audit import register_actions
        from core.notifications import register as notification_kinds_register
        from ledger import memos

        from .audit_actions import AUDIT_ACTIONS
        from .memos import MEMOS
        from .notifications import NOTIFICATION_KINDS

        notification_kinds_register(*NOTIFICATION_KINDS)
        memos.register(*MEMOS)
        register_actions(*AUDIT_ACTIONS)

        # The calendar link's part of a member's personal data export (places.calendar).
        from members import personal_data as personal_data_registry

        from .calendar import PERSONAL_DATA_SECTIONS

        personal_data_registry.register(*PERSONAL_DATA_SECTIONS)
