"""The project's own app: connects the metrics signals once every app is loaded."""

from __future__ import annotations

from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    name = "config"
    verbose_name = "Bocage configuration"

    def ready(self) -> None:
        # Here and not at import: ledger's models must be loaded, and web and Celery processes
        # both load the apps (the middleware alone would miss the workers).
        from core.audit import register_actions

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .audit_actions import AUDIT_ACTIONS
        from .metrics import connect_signals

        connect_signals()
        register_actions(*AUDIT_ACTIONS)
