from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = _("Places")

    def ready(self) -> None:
        from core.audit import register_actions
        from core.notifications import register as notification_kinds_register
        from core.retention import register as retention_register
        from core.transparency import register as transparency_register
        from ledger import memos
        from ledger.kinds import register as kinds_register

        from . import retention
        from .audit_actions import AUDIT_ACTIONS
        from .kinds import KINDS
        from .memos import MEMOS
        from .notifications import NOTIFICATION_KINDS
        from .transparency import places_section

        notification_kinds_register(*NOTIFICATION_KINDS)
        # The menu's management link (core.usercache keeps it): forgotten when a manager is named or removed.
        from core import usercache
        from members.models import Member

        from .models import PlaceManager

        def manager_user_ids(manager: PlaceManager) -> list[int]:
            return list(Member.objects.filter(pk=manager.member_id).values_list("user_id", flat=True))

        usercache.connect_model(PlaceManager, manager_user_ids, "bocage-usercache-placemanager")
        memos.register(*MEMOS)
        kinds_register(*KINDS)
        retention_register(*retention.RULES)
        register_actions(*AUDIT_ACTIONS)

        # Their part of a member's personal data export (RGPD), in members.personal_data's registry.
        from members import leaving as leaving_registry
        from members import personal_data as personal_data_registry

        from . import personal_data
        from .calendar import PERSONAL_DATA_SECTIONS as CALENDAR_SECTIONS
        from .leaving import obstacles as leaving_obstacles

        personal_data_registry.register(*personal_data.SECTIONS, *CALENDAR_SECTIONS)
        # What of theirs keeps a member from leaving (/me/close/), in members.leaving's registry.
        leaving_registry.register(leaving_obstacles)
        # The transparency page (the currency's) shows the network's places and occupancy.
        transparency_register(places_section)

        # The standing orders that pay the plans ("subscription:<id>") tell the plans what happened.
        from ledger import standing_order_hooks

        from .services import plans

        standing_order_hooks.register(
            plans.HOOK_PURPOSE, on_paid=plans.on_paid, on_missed=plans.on_missed, on_stopped=plans.on_stopped
        )
