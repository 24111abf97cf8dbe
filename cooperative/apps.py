from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperativeConfig(AppConfig):
    name = "cooperative"
    verbose_name = _("Cooperative")

    def ready(self) -> None:
        from core.inbox import register as register_inbox
        from ledger.kinds import register

        from .inbox import requests_to_approve
        from .kinds import KINDS

        register(*KINDS)
        register_inbox(requests_to_approve)
