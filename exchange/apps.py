from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Exchange")

    def ready(self) -> None:
        from core.notifications import register

        from .notifications import NOTIFICATION_KINDS

        register(*NOTIFICATION_KINDS)
