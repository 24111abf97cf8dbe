"""Legal retention: each kind of personal data is kept a documented time, then the daily task
`core.tasks.retention_apply` deletes it (or blanks its free text). The durations are settings
(`BOCAGE_RETENTION_*`, config/settings.py), which the privacy notice renders as its retention table.

core imports no app, so each app registers the rules of its own models in its `AppConfig.ready`,
like core.inbox's providers:

```python
def ready(self) -> None:
    from core.retention import register

    from .retention import RULES

    register(*RULES)
```

A `Rule` names its `model`, the `setting` that says how many days it is kept (read at each run, so
an override applies; empty: none, the rows go as soon as `rows` finds them) and `rows(cutoff, now)`:
the rows past their time, a QuerySet of the model. With `update` the rows are not deleted but those
fields set (a free text blanked): `rows` must then leave out the rows already blanked, so that a
second run finds nothing.

The work goes in batches, each in its own transaction: a run that dies half-way has deleted whole
batches and nothing else, and the next run carries on. Running it twice deletes nothing the second
time.

Not here, because they keep their own schedule: the personal data export files
(members.tasks.personal_data_exports_expire, hourly, BOCAGE_PERSONAL_DATA_EXPORT_DAYS), the sign-ups
whose link expired unopened (membership.tasks.pending_signups_purge). Never deleted: the audit log
and the ledger (append-only, kept with the books for ten years).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass(frozen=True)
class Rule:
    """One kind of row kept the days its `setting` says: `rows(cutoff, now)` are those past it
    (deleted, or with `update` set on them)."""

    key: str
    model: type[models.Model]
    setting: str
    rows: Callable[[datetime.datetime, datetime.datetime], models.QuerySet[Any]]
    update: dict[str, Any] = field(default_factory=dict)


_rules: dict[str, Rule] = {}


def register(*rules: Rule) -> None:
    """Add rules (by key: registering again, as a test reloading an app may, changes nothing)."""
    for rule in rules:
        _rules[rule.key] = rule


def rules() -> list[Rule]:
    """Every registered rule, by key."""
    return [_rules[key] for key in sorted(_rules)]


def _apply_rule(rule: Rule, *, now: datetime.datetime, batch_size: int) -> int:
    cutoff = now - datetime.timedelta(days=int(getattr(settings, rule.setting)) if rule.setting else 0)
    done = 0
    while True:
        with transaction.atomic(durable=True):
            pks = list(rule.rows(cutoff, now).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not pks:
                return done
            batch = rule.model._default_manager.filter(pk__in=pks)
            if rule.update:
                done += batch.update(**rule.update)
            else:
                _total, by_model = batch.delete()
                done += by_model.get(rule.model._meta.label, 0)
        if len(pks) < batch_size:
            return done


def retention_apply(*, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Delete (or blank) every registered kind of row past its retention time; the count per rule.

    Safe to run twice and to die half-way: each batch commits on its own.
    """
    now = now or timezone.now()
    counts = {rule.key: _apply_rule(rule, now=now, batch_size=batch_size) for rule in rules()}
    logger.info("retention: %s", " ".join(f"{key}={count}" for key, count in counts.items()))
    return counts


# --- the ground floor's own rules -----------------------------------------------------------------


def _mails_done(cutoff: datetime.datetime, now: datetime.datetime) -> models.QuerySet[Any]:
    from .models import OutboundEmail

    # A pending mail is never deleted, however old: it is still to be delivered.
    return OutboundEmail.objects.filter(
        models.Q(status=OutboundEmail.Status.SENT, sent_at__lt=cutoff)
        | models.Q(status=OutboundEmail.Status.FAILED, created_at__lt=cutoff)
    )


def _notifications_read(cutoff: datetime.datetime, now: datetime.datetime) -> models.QuerySet[Any]:
    from .models import Notification

    return Notification.objects.filter(read_at__lt=cutoff)


def _idempotency_records(cutoff: datetime.datetime, now: datetime.datetime) -> models.QuerySet[Any]:
    from .models import IdempotencyRecord

    return IdempotencyRecord.objects.filter(started_at__lt=cutoff)


def core_rules() -> list[Rule]:
    """The outbox's delivered (or given up) mails, the notifications read, the API's stored answers."""
    from .models import IdempotencyRecord, Notification, OutboundEmail

    return [
        Rule("core.outbound_emails", OutboundEmail, "BOCAGE_RETENTION_MAIL_DAYS", _mails_done),
        Rule(
            "core.notifications_read",
            Notification,
            "BOCAGE_RETENTION_NOTIFICATION_DAYS",
            _notifications_read,
        ),
        Rule(
            "core.idempotency_records",
            IdempotencyRecord,
            "BOCAGE_RETENTION_IDEMPOTENCY_DAYS",
            _idempotency_records,
        ),
    ]
