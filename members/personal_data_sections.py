"""The sections of members and core in a member's personal data export (core imports no app, so its
notifications and audit events are registered from here): the member's row, their login, API
tokens and second-factor devices (metadata only: never a key), notifications and their settings,
the audit events about them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent, IdempotencyRecord, Notification, NotificationPreference

from .models import ApiToken, Member, PersonalDataExport, UserSession
from .personal_data import Section, exempt

DEVICE_FIELDS = ("id", "name", "confirmed", "created_at", "last_used_at")


def _audit_events(member: Any) -> Any:
    user_label = get_user_model()._meta.label_lower
    return AuditEvent.objects.filter(
        Q(object_type=Member._meta.label_lower, object_id=str(member.pk))
        | Q(object_type=user_label, object_id=str(member.user_id))
        | Q(actor_id=member.user_id)
    ).order_by("pk")


SECTIONS = (
    Section("members/member", _("Your member record"), Member, lambda member: Member.objects.filter(pk=member.pk)),
    Section(
        "members/login",
        _("Your login"),
        get_user_model(),
        lambda member: get_user_model().objects.filter(pk=member.user_id),
        fields=("id", "username", "email", "first_name", "last_name", "is_active", "last_login", "date_joined"),
    ),
    Section(
        "members/api_tokens",
        _("API tokens (devices; never their keys)"),
        ApiToken,
        lambda member: ApiToken.objects.filter(user_id=member.user_id).order_by("pk"),
        fields=("id", "device", "created_at", "last_used_at", "expires_at", "revoked_at"),
    ),
    Section(
        "members/sessions",
        _("Your logged-in sessions (device and dates; never their keys)"),
        UserSession,
        lambda member: UserSession.objects.filter(user_id=member.user_id).order_by("pk"),
        fields=("id", "device", "created_at", "last_seen_at"),
    ),
    Section(
        "members/otp_authenticators",
        _("Second factor: authenticator apps (names and dates; never their keys)"),
        TOTPDevice,
        lambda member: TOTPDevice.objects.filter(user_id=member.user_id).order_by("pk"),
        fields=DEVICE_FIELDS,
    ),
    Section(
        "members/otp_backup_codes",
        _("Second factor: backup code lists (names and dates; never the codes)"),
        StaticDevice,
        lambda member: StaticDevice.objects.filter(user_id=member.user_id).order_by("pk"),
        fields=DEVICE_FIELDS,
    ),
    Section(
        "members/personal_data_exports",
        _("Copies of your data you asked for"),
        PersonalDataExport,
        lambda member: PersonalDataExport.objects.filter(member=member).order_by("pk"),
        fields=("id", "status", "created_at", "finished_at", "expires_at"),
    ),
    Section(
        "core/notifications",
        _("Notifications sent to you"),
        Notification,
        lambda member: Notification.objects.filter(recipient_id=member.user_id).order_by("pk"),
    ),
    Section(
        "core/notification_preferences",
        _("Your notification settings"),
        NotificationPreference,
        lambda member: NotificationPreference.objects.filter(user_id=member.user_id).order_by("pk"),
    ),
    Section("core/audit_events", _("Audit events about you or done by you"), AuditEvent, _audit_events),
)


def exemptions() -> None:
    exempt(
        IdempotencyRecord,
        "a technical replay cache of API answers (kept a short while, then deleted); the rows those "
        "answers describe are exported in their own sections",
    )
