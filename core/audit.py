"""The audit log: every administrative action records who, when, what and why, in the same
database transaction as the action itself (so an action that rolls back leaves no trace, and an
action that commits always has one)."""

from __future__ import annotations

from typing import Any

from django.db import models

from core.typing import Actor, acting_user

from .models import AuditEvent


def audit_record(*, actor: Actor, action: str, target: models.Model, reason: str = "", **details: Any) -> AuditEvent:
    """Record an administrative action on `target`; call it inside the action's atomic block."""
    return AuditEvent.objects.create(
        actor=acting_user(actor),
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        reason=(reason or "")[:500],
        details={key: _plain(value) for key, value in details.items()},
    )


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)
