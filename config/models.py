"""The project's own tables: operational state, not ledger data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the beat's heartbeat task (or started): one row, stamped over.

    /readyz and the administrators' pages read it to say whether background work is running
    (config.selectors.background_work_status); nothing else depends on it.
    """

    SINGLETON_ID = 1

    seen_at = models.DateTimeField(_("last seen at"))
    hostname = models.CharField(_("worker"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="config_workerheartbeat_single_row")]

    def __str__(self) -> str:
        return f"{self.hostname or 'worker'} @ {self.seen_at.isoformat()}"
