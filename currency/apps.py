from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CurrencyConfig(AppConfig):
    name = "currency"
    verbose_name = _("Local currency")

    def ready(self) -> None:
        from core.inbox import register as register_inbox
        from ledger.kinds import register

        from .inbox import comptoir_shortcut, payment_requests_open, reconversions_to_handle
        from .kinds import KINDS

        register(*KINDS)
        register_inbox(payment_requests_open, reconversions_to_handle, comptoir_shortcut)
