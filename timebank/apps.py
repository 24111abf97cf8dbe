from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimebankConfig(AppConfig):
    name = "timebank"
    label = "timebank"
    verbose_name = _("Time bank")

    def ready(self) -> None:
        from core.inbox import register as register_inbox
        from ledger import memos
        from ledger.kinds import register
        from members import personal_data as personal_data_registry

        from . import personal_data
        from .inbox import services_to_confirm
        from .kinds import KINDS
        from .memos import MEMOS

        register(*KINDS)
        register_inbox(services_to_confirm)
        memos.register(*MEMOS)

        # Their part of a member's personal data export (RGPD), in members.personal_data's registry.
        personal_data_registry.register(*personal_data.SECTIONS)

        # What of theirs keeps a member from leaving (/me/close/), in members.leaving's registry.
        from members import leaving as leaving_registry

        from .leaving import obstacles as leaving_obstacles

        leaving_registry.register(leaving_obstacles)
