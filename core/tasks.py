"""Celery tasks of the ground floor: the worker heartbeat (the beat sends it every minute, and each
worker stamps once as it starts), mail delivery (core/mail.py queues, core/mail_delivery.py
sends) and legal retention (core/retention.py, nightly). Each is safe to run twice. The heartbeat's
and the mail's names are the ones they had under config/, which the beat schedule and any message
still queued use."""

from __future__ import annotations

import datetime
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready
from django.db import connections
from django.utils import timezone

from .heartbeat import worker_heartbeat_record
from .mail_delivery import outbound_email_deliver, outbound_emails_due
from .queueing import enqueue
from .retention import retention_apply as retention_rules_apply


@shared_task(name="config.tasks.worker_heartbeat", bind=True, acks_late=True, ignore_result=True)
def worker_heartbeat(self: Task) -> None:
    """Stamp the heartbeat; running it twice only stamps twice."""
    worker_heartbeat_record(hostname=self.request.hostname or "", actor=None)


@worker_ready.connect
def stamp_on_worker_ready(sender: Any = None, **_kwargs: Any) -> None:
    # A worker that just (re)started is seen at once, not a minute later at the beat's next send.
    hostname = getattr(sender, "hostname", "") or ""
    try:
        worker_heartbeat_record(hostname=hostname, actor=None)
    finally:
        # This runs in the worker's main process, which forks the pool's children: it must not
        # keep a database connection they could inherit.
        connections.close_all()


@shared_task(name="config.tasks.outbound_email_send")
def outbound_email_send(email_id: int) -> str:
    """Deliver one queued mail (a retry is the sweep's job, after the backoff the row records)."""
    return outbound_email_deliver(email_id=email_id)


def outbound_emails_catch_up(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Queue again the unsent mails that are due (broker down at commit, or a failure's backoff over)."""
    due = outbound_emails_due(now=now or timezone.now(), limit=limit)
    return sum(enqueue(outbound_email_send, email_id) for email_id in due)


@shared_task(name="config.tasks.outbound_emails_catch_up")
def outbound_emails_catch_up_task() -> int:
    """Beat: re-queue the mails that never reached a worker or whose retry is due."""
    return outbound_emails_catch_up()


@shared_task(name="core.tasks.retention_apply", acks_late=True)
def retention_apply() -> dict[str, int]:
    """Beat, nightly: delete the personal data past its retention time; the count per kind of row."""
    return retention_rules_apply()
