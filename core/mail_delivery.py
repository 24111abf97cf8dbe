"""Mail delivery, the worker's side of the outbox (core/mail.py queues, core/tasks.py runs this).

`outbound_email_deliver` takes a lease on the row, sends with EMAIL_TIMEOUT, and records the
outcome; `outbound_emails_due` lists what the beat's sweep should queue again. A failure that may
pass (timeout, 4xx, connection refused) is retried with a doubling backoff; a permanent refusal
(5xx) or too many attempts mark the message failed.

No other module imports django.core.mail's senders (tests/core/test_mail.py checks it).
"""

from __future__ import annotations

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboundEmail

logger = logging.getLogger("bocage.mail")


def outbound_email_deliver(*, email_id: int) -> str:
    """Send one queued mail if it is due and nobody else holds it: "sent", "retry", "failed" or "skipped".

    Safe twice and after dying half-way: the lease (an UPDATE that only one caller can win) keeps a
    second run out while the first sends; a worker killed between sending and recording leaves the
    lease to expire, and that one message may then go twice, never zero times.
    """
    now = timezone.now()
    lease = now + datetime.timedelta(seconds=_lease_seconds())
    won = (
        OutboundEmail.objects.filter(pk=email_id, status=OutboundEmail.Status.PENDING)
        .filter(Q(attempts=0) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=lease)
    )
    if not won:
        return "skipped"
    message = OutboundEmail.objects.get(pk=email_id)
    try:
        # No transaction is open here: the SMTP conversation holds no lock and no connection slot.
        EmailMessage(message.subject, message.body, message.from_email, message.to, connection=get_connection()).send()
    except Exception as error:  # every failure is recorded; which ones are worth a retry is decided below
        return _record_failure(message, error)
    OutboundEmail.objects.filter(pk=email_id).update(
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        claimed_until=None,
        last_error="",
        # Sent: the body is no longer needed, and it may hold a password-reset link or personal data.
        body="",
    )
    return "sent"


def _lease_seconds() -> int:
    # An SMTP exchange is several round trips (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT),
    # each allowed EMAIL_TIMEOUT: the lease outlives the slowest conversation that still succeeds.
    return max(300, 10 * int(settings.EMAIL_TIMEOUT or 10))


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, (BadHeaderError, ValueError, UnicodeError)):
        return True  # the message itself is wrong: sending it again changes nothing
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reason in error.recipients.values())
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False  # the operator fixes the credentials; the mail should still go
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _record_failure(message: OutboundEmail, error: Exception) -> str:
    attempts = message.attempts + 1
    permanent = _is_permanent(error) or attempts >= settings.BOCAGE_MAIL_MAX_ATTEMPTS
    backoff = settings.BOCAGE_MAIL_RETRY_SECONDS * 2 ** (attempts - 1)
    OutboundEmail.objects.filter(pk=message.pk).update(
        status=OutboundEmail.Status.FAILED if permanent else OutboundEmail.Status.PENDING,
        attempts=attempts,
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=backoff),
        claimed_until=None,
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    logger.warning(
        "mail %s to %s %s after attempt %d: %s",
        message.pk,
        message.to,
        "failed for good" if permanent else "will be retried",
        attempts,
        error,
    )
    return "failed" if permanent else "retry"


def outbound_emails_due(*, now: datetime.datetime, limit: int) -> list[int]:
    """The unsent mails that are due (broker down at commit, or a failure's backoff over), oldest first."""
    return list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
