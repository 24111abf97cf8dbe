"""Celery tasks of the project's own app: mail delivery (config/mail.py). Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from .mail import outbound_email_deliver, outbound_emails_catch_up


@shared_task(name="config.tasks.outbound_email_send")
def outbound_email_send(email_id: int) -> str:
    """Deliver one queued mail (a retry is the sweep's job, after the backoff the row records)."""
    return outbound_email_deliver(email_id=email_id)


@shared_task(name="config.tasks.outbound_emails_catch_up")
def outbound_emails_catch_up_task() -> int:
    """Beat: re-queue the mails that never reached a worker or whose retry is due."""
    return outbound_emails_catch_up()
