from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Exchange")

    def ready(self) -> None:
        from core.inbox import register

        from .inbox import disputes_to_resolve, exchanges_to_answer

        register(exchanges_to_answer, disputes_to_resolve)
