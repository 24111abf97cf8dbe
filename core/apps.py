"""The ground floor as a Django app: its tables are the audit log, API idempotency, the mail
outbox, the notifications and their e-mail choices, and the worker heartbeat, which every app
above it uses."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from .retention import core_rules, register

        register(*core_rules())
