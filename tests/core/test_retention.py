"""Legal retention (core.retention, the nightly task core.tasks.retention_apply): each kind of row
just past its documented time is deleted (or its free text blanked), one just within it is kept, a
second run finds nothing, a run that dies half-way keeps the batches it committed."""

from __future__ import annotations

import datetime
import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from core import retention
from core.models import AuditEvent, IdempotencyRecord, Notification, OutboundEmail
from core.tasks import retention_apply as retention_task
from members.models import RetainedRecord, UserSession
from membership.models import Application, PendingSignup

pytestmark = pytest.mark.django_db

NOW = timezone.now()
SECOND = datetime.timedelta(seconds=1)
MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)

NOTHING = {
    "core.idempotency_records": 0,
    "core.notifications_read": 0,
    "core.outbound_emails": 0,
    "members.access_attempts": 0,
    "members.access_failure_logs": 0,
    "members.access_logs": 0,
    "members.sessions_expired": 0,
    "members.retained_records": 0,
    "members.user_sessions_ended": 0,
    "membership.refusal_reasons": 0,
    "membership.signups_confirmed": 0,
    "places.counter_guests": 0,
}


def a_mail(status: str, *, created_at: datetime.datetime, sent_at: datetime.datetime | None = None) -> OutboundEmail:
    return OutboundEmail.objects.create(
        from_email="noreply@bocage.localhost",
        to=["maud@example.org"],
        subject="Bonjour",
        body="Bonjour Maud",
        status=status,
        created_at=created_at,
        next_attempt_at=created_at,
        sent_at=sent_at,
    )


def a_notification(user, *, read_at: datetime.datetime | None, created_at: datetime.datetime) -> Notification:
    return Notification.objects.create(
        recipient=user, kind="exchange_message", params={"who": "Maud"}, created_at=created_at, read_at=read_at
    )


def an_access(model, *, at: datetime.datetime, **extra):
    fields = {"user_agent": "Firefox", "ip_address": "192.0.2.7", "username": "maud", "http_accept": "*/*"}
    row = model.objects.create(path_info="/login/", **{**fields, **extra})
    model.objects.filter(pk=row.pk).update(attempt_time=at)  # auto_now_add: set afterwards
    return row


def a_session(key: str, *, expires: datetime.datetime) -> Session:
    return Session.objects.create(session_key=key, session_data="e30:", expire_date=expires)


def test_each_kind_of_row_just_past_its_time_goes_and_one_just_within_stays(make_member, settings):
    maud = make_member(username="maud", email="maud@example.org")
    louis = make_member(username="louis", email="louis@example.org")
    mail_limit = NOW - datetime.timedelta(days=settings.BOCAGE_RETENTION_MAIL_DAYS)
    sent_old = a_mail("sent", created_at=mail_limit - DAY, sent_at=mail_limit - SECOND)
    sent_young = a_mail("sent", created_at=mail_limit - DAY, sent_at=mail_limit + MINUTE)
    failed_old = a_mail("failed", created_at=mail_limit - SECOND)
    pending_old = a_mail("pending", created_at=mail_limit - 10 * DAY)

    read_limit = NOW - datetime.timedelta(days=settings.BOCAGE_RETENTION_NOTIFICATION_DAYS)
    read_old = a_notification(maud.user, read_at=read_limit - SECOND, created_at=read_limit - DAY)
    read_young = a_notification(maud.user, read_at=read_limit + MINUTE, created_at=read_limit - DAY)
    unread_old = a_notification(maud.user, read_at=None, created_at=read_limit - 10 * DAY)

    key_limit = NOW - datetime.timedelta(days=settings.BOCAGE_RETENTION_IDEMPOTENCY_DAYS)
    records = IdempotencyRecord.objects
    key_old = records.create(user=maud.user, key="a", request_hash="", started_at=key_limit - SECOND)
    key_young = records.create(user=maud.user, key="b", request_hash="", started_at=key_limit + MINUTE)

    log_limit = NOW - datetime.timedelta(days=settings.BOCAGE_RETENTION_LOGIN_LOG_DAYS)
    log_old = an_access(AccessLog, at=log_limit - SECOND)
    log_young = an_access(AccessLog, at=log_limit + MINUTE)
    failure_old = an_access(AccessFailureLog, at=log_limit - SECOND)
    failure_young = an_access(AccessFailureLog, at=log_limit + MINUTE)
    attempt_fields = {"get_data": "", "post_data": "", "failures_since_start": 1}
    attempt_old = an_access(AccessAttempt, at=log_limit - SECOND, **attempt_fields)
    attempt_young = an_access(AccessAttempt, at=log_limit + MINUTE, **{**attempt_fields, "username": "louis"})

    idle = NOW - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    expired = a_session("expired0000000000000000000000000", expires=NOW - SECOND)
    alive = a_session("alive00000000000000000000000000", expires=NOW + DAY)
    line_ended = UserSession.objects.create(user=maud.user, session_key=expired.session_key, last_seen_at=idle - MINUTE)
    line_alive = UserSession.objects.create(user=maud.user, session_key=alive.session_key, last_seen_at=idle - MINUTE)
    # Just opened: its django_session row is written with the answer, after this line.
    line_new = UserSession.objects.create(user=louis.user, session_key="new00000000000000000000000000000")

    signup_limit = NOW - datetime.timedelta(days=settings.BOCAGE_RETENTION_SIGNUP_DAYS)

    def a_signup(digest: str, confirmed_at: datetime.datetime | None) -> PendingSignup:
        return PendingSignup.objects.create(
            email="jeanne@example.org",
            kind="individual",
            display_name="Jeanne",
            details={"phone": "0612345678"},
            digest=digest,
            expires_at=(confirmed_at or NOW) + DAY,
            confirmed_at=confirmed_at,
        )

    signup_old = a_signup("d1", signup_limit - SECOND)
    signup_young = a_signup("d2", signup_limit + MINUTE)
    signup_waiting = a_signup("d3", None)
    refused_old = Application.objects.create(
        member=maud, status="refused", reason="Hors territoire", decided_at=signup_limit - SECOND
    )
    refused_young = Application.objects.create(
        member=louis, status="refused", reason="Dossier incomplet", decided_at=signup_limit + MINUTE
    )
    audit_old = AuditEvent.objects.create(action="x", object_type="member", object_id="1", created_at=NOW - 5000 * DAY)

    # A former member's record kept for the law goes the day after its own date.
    kept = {
        day: RetainedRecord.objects.create(
            member_id=1,
            purpose=RetainedRecord.Purpose.PAYOUT,
            legal_basis="accounting_record",
            reference=str(day),
            keep_until=timezone.localdate(NOW) + day * DAY,
        )
        for day in (-1, 0)
    }

    counts = retention.retention_apply(now=NOW)

    assert counts == {
        **NOTHING,
        "core.idempotency_records": 1,
        "core.notifications_read": 1,
        "core.outbound_emails": 2,
        "members.access_attempts": 1,
        "members.access_failure_logs": 1,
        "members.access_logs": 1,
        "members.sessions_expired": 1,
        "members.retained_records": 1,
        "members.user_sessions_ended": 1,
        "membership.refusal_reasons": 1,
        "membership.signups_confirmed": 1,
    }
    assert list(RetainedRecord.objects.values_list("pk", flat=True)) == [kept[0].pk]
    assert set(OutboundEmail.objects.values_list("pk", flat=True)) == {sent_young.pk, pending_old.pk}
    assert not OutboundEmail.objects.filter(pk__in=[sent_old.pk, failed_old.pk]).exists()
    assert set(Notification.objects.values_list("pk", flat=True)) == {read_young.pk, unread_old.pk}
    assert read_old.pk not in set(Notification.objects.values_list("pk", flat=True))
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [key_young.pk]
    assert key_old.pk != key_young.pk
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [log_young.pk] != [log_old.pk]
    assert list(AccessFailureLog.objects.values_list("pk", flat=True)) == [failure_young.pk] != [failure_old.pk]
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [attempt_young.pk] != [attempt_old.pk]
    assert list(Session.objects.values_list("session_key", flat=True)) == [alive.session_key]
    assert set(UserSession.objects.values_list("pk", flat=True)) == {line_alive.pk, line_new.pk}
    assert not UserSession.objects.filter(pk=line_ended.pk).exists()
    assert set(PendingSignup.objects.values_list("pk", flat=True)) == {signup_young.pk, signup_waiting.pk}
    assert not PendingSignup.objects.filter(pk=signup_old.pk).exists()
    refused_old.refresh_from_db()
    refused_young.refresh_from_db()
    assert (refused_old.status, refused_old.reason, refused_old.decided_at) == ("refused", "", signup_limit - SECOND)
    assert (refused_young.status, refused_young.reason) == ("refused", "Dossier incomplet")
    # The audit log is the books' (append-only, ten years): never deleted.
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [audit_old.pk]

    assert retention.retention_apply(now=NOW) == NOTHING


def test_the_work_goes_in_batches_until_nothing_is_left(make_member, settings):
    maud = make_member(username="maud")
    old = NOW - datetime.timedelta(days=settings.BOCAGE_RETENTION_NOTIFICATION_DAYS + 1)
    for _ in range(5):
        a_notification(maud.user, read_at=old, created_at=old)

    counts = retention.retention_apply(now=NOW, batch_size=2)

    assert counts["core.notifications_read"] == 5
    assert Notification.objects.count() == 0


def test_a_run_that_dies_half_way_keeps_its_committed_batches_and_the_next_run_finishes(make_member, settings):
    maud = make_member(username="maud")
    old = NOW - datetime.timedelta(days=settings.BOCAGE_RETENTION_NOTIFICATION_DAYS + 1)
    for _ in range(3):
        a_notification(maud.user, read_at=old, created_at=old)
    real_delete = QuerySet.delete
    calls = []

    def delete_then_die(queryset):
        calls.append(queryset.model)
        if queryset.model is Notification and calls.count(Notification) == 2:
            raise RuntimeError("worker killed")
        return real_delete(queryset)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QuerySet, "delete", delete_then_die)
        with pytest.raises(RuntimeError):
            retention.retention_apply(now=NOW, batch_size=1)

    assert Notification.objects.count() == 2
    assert retention.retention_apply(now=NOW, batch_size=1)["core.notifications_read"] == 2
    assert Notification.objects.count() == 0


def test_a_shorter_setting_applies_at_the_next_run(make_member, settings):
    maud = make_member(username="maud")
    a_notification(maud.user, read_at=NOW - 10 * DAY, created_at=NOW - 10 * DAY)
    assert retention.retention_apply(now=NOW)["core.notifications_read"] == 0

    settings.BOCAGE_RETENTION_NOTIFICATION_DAYS = 7

    assert retention.retention_apply(now=NOW)["core.notifications_read"] == 1


def test_the_task_returns_and_logs_its_counts(make_member, settings, caplog):
    maud = make_member(username="maud")
    old = timezone.now() - datetime.timedelta(days=settings.BOCAGE_RETENTION_NOTIFICATION_DAYS + 1)
    a_notification(maud.user, read_at=old, created_at=old)

    with caplog.at_level(logging.INFO, logger="core.retention"):
        counts = retention_task.apply().get()

    assert counts == {**NOTHING, "core.notifications_read": 1}
    assert "core.notifications_read=1" in caplog.text


def test_the_beat_runs_it_every_night(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["core-retention"]

    assert entry["task"] == "core.tasks.retention_apply"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {40})
