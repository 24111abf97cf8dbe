"""The one way mail leaves Bocage: a service queues it, a Celery worker delivers it.

`outbound_email_queue` writes an OutboundEmail row in the caller's transaction (a rolled-back action
mails nobody; a committed one always has its message) and queues the delivery task after commit
(core.tasks.outbound_email_send, which runs core.mail_delivery in the worker). A web process never
opens an SMTP connection, so a slow or hanging mail server can never hold a web worker. When the
broker was down, or a delivery failed for a reason that may pass, the beat's sweep
(core.tasks.outbound_emails_catch_up) queues the message again once it is due.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.template import loader
from django.utils import timezone

from .audit import audit_record
from .mail_delivery import outbound_email_deliver
from .models import OutboundEmail
from .queueing import enqueue
from .tasks import outbound_email_send

LOCMEM_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The task queued on commit normally delivers within seconds; the sweep leaves it this long first.
QUEUE_GRACE_SECONDS = 60


def outbound_email_queue(*, to: str | Sequence[str], subject: str, body: str, from_email: str = "") -> OutboundEmail:
    """Record a mail to send and queue its delivery once the surrounding transaction commits."""
    recipients = [to] if isinstance(to, str) else list(to)
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        message = OutboundEmail.objects.create(
            from_email=from_email or settings.DEFAULT_FROM_EMAIL,
            to=recipients,
            subject=subject,
            body=body,
            next_attempt_at=now + datetime.timedelta(seconds=QUEUE_GRACE_SECONDS),
        )
        transaction.on_commit(lambda: _dispatch(message.pk))
    return message


def outbound_emails_queue(messages: Sequence[tuple[str, str, str]]) -> list[OutboundEmail]:
    """outbound_email_queue for many (to, subject, body) at once: one bulk insert, each delivery
    queued once the surrounding transaction commits (the outbox's sweep sends any the broker
    did not take)."""
    if not messages:
        return []
    next_attempt_at = timezone.now() + datetime.timedelta(seconds=QUEUE_GRACE_SECONDS)
    queued = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            from_email=settings.DEFAULT_FROM_EMAIL, to=[to], subject=subject, body=body, next_attempt_at=next_attempt_at
        )
        for to, subject, body in messages
    )
    ids = [message.pk for message in queued]

    def dispatch() -> None:
        for pk in ids:
            _dispatch(pk)

    transaction.on_commit(dispatch)
    return queued


def _dispatch(email_id: int) -> None:
    if settings.EMAIL_BACKEND == LOCMEM_BACKEND:
        # Django's test mailbox is this process's memory: a worker elsewhere could never fill it,
        # and delivering to it is no network I/O.
        outbound_email_deliver(email_id=email_id)
        return
    enqueue(outbound_email_send, email_id)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password reset, its mail going through the outbox like every other one, audited."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        with transaction.atomic(durable=True):
            outbound_email_queue(to=to_email, subject=subject, body=body, from_email=from_email or "")
            # Who was sent a link (never the link): a stolen mailbox shows in the audit log.
            audit_record(actor=None, action="password_reset_request", target=context["user"])
