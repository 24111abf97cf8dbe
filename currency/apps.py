from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CurrencyConfig(AppConfig):
    name = "currency"
    verbose_name = _("Local currency")

    def ready(self) -> None:
        from core.audit import register_actions
        from core.inbox import register as register_inbox
        from ledger import memos
        from ledger.kinds import register
        from members import personal_data as personal_data_registry

        from . import personal_data
        from .audit_actions import AUDIT_ACTIONS
        from .inbox import comptoir_shortcut, payment_requests_open, reconversions_to_handle
        from .kinds import KINDS
        from .memos import MEMOS

        register(*KINDS)
        register_inbox(payment_requests_open, reconversions_to_handle, comptoir_shortcut)
        memos.register(*MEMOS)
        register_actions(*AUDIT_ACTIONS)

        # Their part of a member's personal data export (RGPD), in members.personal_data's registry.
        personal_data_registry.register(*personal_data.SECTIONS)

        # What of theirs keeps a member from leaving (/me/close/), in members.leaving's registry.
        from members import leaving as leaving_registry

        from .leaving import obstacles as leaving_obstacles

        leaving_registry.register(leaving_obstacles)
        personal_data.exemptions()

        # The menu's exchange-office link (core.usercache keeps it): forgotten when the staff changes.
        from core import usercache

        from .models import Comptoir

        usercache.connect_users_m2m(Comptoir.staff.through, "bocage-usercache-comptoir")
