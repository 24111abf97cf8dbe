"""The project's own tables: operational state, not ledger data.

The worker heartbeat: when a Celery worker was last seen (config.selectors).

The outbox: every mail the project sends is first a row here, written in the transaction of the
action it tells about, then delivered by a Celery worker (config/mail.py). Invariants: a message is
`sent` exactly when it has a `sent_at`; a worker delivers it only while it holds the lease
(`claimed_until` in the future), so two runs of the task never both send it; a message that keeps
failing ends `failed` with its last error, never retried forever.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("e-mail", "pending")
        SENT = "sent", pgettext_lazy("e-mail", "sent")
        FAILED = "failed", pgettext_lazy("e-mail", "failed")

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    from_email = models.CharField(pgettext_lazy("e-mail", "from"), max_length=320)
    to = models.JSONField(pgettext_lazy("e-mail", "to"))
    subject = models.CharField(pgettext_lazy("e-mail", "subject"), max_length=998)
    body = models.TextField(pgettext_lazy("e-mail", "body"))
    status = models.CharField(_("status"), max_length=7, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(pgettext_lazy("e-mail", "attempts"), default=0)
    # The sweep's clock: when an unsent message is next due (a grace period after queueing, so the
    # task queued on commit goes first; then the retry backoff).
    next_attempt_at = models.DateTimeField(pgettext_lazy("e-mail", "next attempt at"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(pgettext_lazy("e-mail", "sent at"), null=True, blank=True)
    last_error = models.TextField(pgettext_lazy("e-mail", "last error"), blank=True)

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_email_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="outbound_email_sent_iff_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
