"""members' part of legal retention (core.retention): the connection logs, the sessions, and what
the law kept of a former member.

The login history django-axes keeps (AccessLog: each login and logout, with the IP address and the
user agent; AccessFailureLog and AccessAttempt: failed logins) is a connection log: kept
BOCAGE_RETENTION_LOGIN_LOG_DAYS (13 months, the CNIL's recommendation for connection logs). An
expired session is deleted (Django's `clearsessions`), and with it its line on the member's list of
sessions (members.UserSession holds a device label, no address). A former member's record kept for
the law (members.RetainedRecord: a former associate's identity, a payout's payee) goes the day after
its own `keep_until` (set by members.erasure from BOCAGE_RETENTION_SHARE_REGISTER_YEARS or
BOCAGE_RETENTION_ACCOUNTING_YEARS).
"""

from __future__ import annotations

import datetime
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from core.retention import Rule

from .models import RetainedRecord, UserSession


def _access_logs(cutoff: datetime.datetime, now: datetime.datetime) -> QuerySet[Any]:
    return AccessLog.objects.filter(attempt_time__lt=cutoff)


def _access_failure_logs(cutoff: datetime.datetime, now: datetime.datetime) -> QuerySet[Any]:
    return AccessFailureLog.objects.filter(attempt_time__lt=cutoff)


def _access_attempts(cutoff: datetime.datetime, now: datetime.datetime) -> QuerySet[Any]:
    return AccessAttempt.objects.filter(attempt_time__lt=cutoff)


def _sessions_expired(cutoff: datetime.datetime, now: datetime.datetime) -> QuerySet[Any]:
    return Session.objects.filter(expire_date__lt=now)


def _user_sessions_ended(cutoff: datetime.datetime, now: datetime.datetime) -> QuerySet[Any]:
    # A line not seen for a whole session's life whose session is gone or expired: a session that
    # was just opened is written here before its django_session row, hence the age condition.
    idle = now - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return UserSession.objects.filter(last_seen_at__lt=idle).exclude(
        session_key__in=Session.objects.filter(expire_date__gte=now).values("session_key")
    )


def _retained_records_past(cutoff: datetime.datetime, now: datetime.datetime) -> QuerySet[Any]:
    return RetainedRecord.objects.filter(keep_until__lt=timezone.localdate(now))


RULES = [
    Rule("members.access_logs", AccessLog, "BOCAGE_RETENTION_LOGIN_LOG_DAYS", _access_logs),
    Rule("members.access_failure_logs", AccessFailureLog, "BOCAGE_RETENTION_LOGIN_LOG_DAYS", _access_failure_logs),
    Rule("members.access_attempts", AccessAttempt, "BOCAGE_RETENTION_LOGIN_LOG_DAYS", _access_attempts),
    # Ended: deleted at once (no setting, no duration of their own).
    Rule("members.sessions_expired", Session, "", _sessions_expired),
    Rule("members.user_sessions_ended", UserSession, "", _user_sessions_ended),
    # Each record carries its own date (its duration counted from leaving or from the payout).
    Rule("members.retained_records", RetainedRecord, "", _retained_records_past),
]
