"""The ground floor's tables, used by every app above it.

The audit log (`AuditEvent`, written by core.audit.audit_record in the transaction of the action it
records): append-only, UPDATE, DELETE and TRUNCATE refused by triggers on PostgreSQL (created by
ledger migrations 0006 and 0010, on the table name, which is why these models keep their tables).

API idempotency (`IdempotencyRecord`, core.idempotency): one stored answer per caller and key
(UNIQUE).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
