"""The ground floor's tables, used by every app above it.

The audit log (`AuditEvent`, written by core.audit.audit_record in the transaction of the action it
records): append-only, UPDATE, DELETE and TRUNCATE refused by triggers on PostgreSQL (created by
ledger migrations 0006 and 0010, on the table name, which is why these models keep their tables).

API idempotency (`IdempotencyRecord`, core.idempotency): one stored answer per caller and key
(UNIQUE).

The worker heartbeat (`WorkerHeartbeat`, core.heartbeat): when a Celery worker was last seen.

The outbox (`OutboundEmail`): every mail the project sends is first a row here, written in the
transaction of the action it tells about, then delivered by a Celery worker (core/mail.py,
core/mail_delivery.py). Invariants: a message is `sent` exactly when it has a `sent_at`; a worker
delivers it only while it holds the lease (`claimed_until` in the future), so two runs of the task
never both send it; a message that keeps failing ends `failed` with its last error, never retried
forever.

The notifications (`Notification`, core.notifications.notify): what the site tells a user, written
in the transaction of the action it tells about, unread until `read_at`; at most one per recipient
and dedupe key (a task that runs twice). `NotificationPreference`: a user's choice to have a kind
e-mailed or not (no row: the kind's default).

The heartbeat and the outbox keep the tables the config app created (config_workerheartbeat,
config_outboundemail), as the audit log and idempotency keep the ledger's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEvent(models.Model):
    """Who did which administrative action, when, on what and why: written with the action itself."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        db_table = "ledger_auditevent"
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class IdempotencyRecord(models.Model):
    """The stored answer to an API request sent with an Idempotency-Key (per caller)."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", _("In flight")
        DONE = "done", _("Done")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # JSON text, not jsonb: PostgreSQL's jsonb reorders keys, and a replay must be byte-identical.
    response_body = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "ledger_idempotencyrecord"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_one_per_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} ({self.state})"


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the beat's heartbeat task (or started): one row, stamped over.

    /readyz and the administrators' pages read it to say whether background work is running
    (core.heartbeat.background_work_status); nothing else depends on it.
    """

    SINGLETON_ID = 1

    seen_at = models.DateTimeField(_("last seen at"))
    hostname = models.CharField(_("worker"), max_length=255, blank=True)

    class Meta:
        db_table = "config_workerheartbeat"
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
        db_table = "config_outboundemail"
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


class Notification(models.Model):
    """One thing the site tells a user: a registered kind (core.notifications) and its parameters,
    rendered in the reader's language when shown, a link to what it is about, and when it was read
    (null: unread). Written in the transaction of the action it tells about."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # A caller that may run twice (a task) names the notification: one per recipient and key.
    dedupe_key = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_one_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotificationPreference(models.Model):
    """A user's choice for one kind of notification: e-mailed or not (no row: the kind's default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=60)
    email = models.BooleanField(_("by e-mail"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}={self.email}"
