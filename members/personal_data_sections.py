"""The sections of members and core in a member's personal data export (core imports no app, so its
notifications and audit events are registered from here): the member's row, their login, API
tokens and second-factor devices (metadata only: never a key), notifications and their settings,
the audit events about them. And their erasure on leaving (members.erasure): the member's row
pseudonymised, the login closed, tokens revoked, sessions ended, second factors, notifications and
exports' files deleted; the mail outbox, the admin's log and the API replay cache, which no section
exports, are erased by steps (`erase_step`)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent, IdempotencyRecord, Notification, NotificationPreference, OutboundEmail

from . import erasure
from .models import ApiToken, Member, PersonalDataExport, UserSession
from .personal_data import Section, erase_step, exempt
from .services import api_tokens_revoke_all, user_sessions_end_all

DEVICE_FIELDS = ("id", "name", "confirmed", "created_at", "last_used_at")


def _audit_events(member: Any) -> Any:
    user_label = get_user_model()._meta.label_lower
    return AuditEvent.objects.filter(
        Q(object_type=Member._meta.label_lower, object_id=str(member.pk))
        | Q(object_type=user_label, object_id=str(member.user_id))
        | Q(actor_id=member.user_id)
    ).order_by("pk")


# --- erasure on leaving (members.erasure) ------------------------------------------------------

ERASED_MEMBER_FIELDS = {
    "address": "",
    "phone": "",
    "activity": "",
    "description": "",
    "website": "",
    "opening_hours": "",
    "siren": "",
    "siret": "",
    "vat_number": "",
    "rna": "",
    "iban": "",
    "bic": "",
    "iban_changed_at": None,
    "in_directory": False,
    "directory_shows_address": False,
    "directory_shows_phone": False,
    "show_name_as_backer": False,
    "language": "",
}


def _member_erase(member: Any) -> int:
    # The commune stays: statistics per commune remain true, and a commune names nobody.
    changes = {"display_name": erasure.pseudonym(member), **ERASED_MEMBER_FIELDS}
    changed = [name for name, value in changes.items() if getattr(member, name) != value]
    for name in changed:
        setattr(member, name, changes[name])
    if changed:
        member.save(update_fields=changed)
    return int(bool(changed))


def _login_erase(member: Any) -> int:
    user = member.user
    changes = {
        "username": erasure.closed_username(user),
        "email": "",
        "first_name": "",
        "last_name": "",
        "is_active": False,
    }
    changed = [name for name, value in changes.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, changes[name])
    if user.has_usable_password():
        user.set_unusable_password()
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    return int(bool(changed))


def _api_tokens_erase(member: Any) -> int:
    revoked = api_tokens_revoke_all(user=member.user, actor=None, reason="member_erase")
    named = ApiToken.objects.filter(user_id=member.user_id).exclude(device="").update(device="")
    return max(revoked, named)


def _exports_erase(member: Any) -> int:
    erased = 0
    for export in PersonalDataExport.objects.filter(member=member).exclude(file=""):
        erasure.file_delete_on_commit(export.file)
        PersonalDataExport.objects.filter(pk=export.pk).update(file="")
        erased += 1
    return erased


def _deleted(queryset: Any) -> int:
    count: int = queryset.delete()[0]
    return count


def _notifications_erase(member: Any) -> int:
    erased = _deleted(Notification.objects.filter(recipient_id=member.user_id))
    # Others' notifications and mails that name the member (« Zéphirine proposes… »).
    return erased + erasure.copies_redact(erasure.current_values(member))


def _outbox_erase(member: Any) -> int:
    """Mails to the member are deleted (sent or not: the address is gone); mails to others that name
    them keep their envelope, their subject and body redacted."""
    values = erasure.current_values(member)
    if not values:
        return 0
    as_text = OutboundEmail.objects.annotate(to_text=Cast("to", TextField()))
    email = member.user.email or next((value for value in values if "@" in value), "")
    erased = (
        _deleted(OutboundEmail.objects.filter(pk__in=as_text.filter(to_text__icontains=email).values("pk")))
        if email
        else 0
    )
    return erased


def _admin_log_erase(member: Any) -> int:
    values = erasure.current_values(member)
    if not values:
        return 0
    mention = Q()
    for value in values:
        mention |= Q(object_repr__icontains=value) | Q(change_message__icontains=value)
    redacted = erasure.site_text(erasure.REDACTED)
    return LogEntry.objects.filter(mention).update(object_repr=redacted, change_message="")


SECTIONS = (
    Section(
        "members/member",
        _("Your member record"),
        Member,
        lambda member: Member.objects.filter(pk=member.pk),
        erase=_member_erase,
    ),
    Section(
        "members/login",
        _("Your login"),
        get_user_model(),
        lambda member: get_user_model().objects.filter(pk=member.user_id),
        fields=("id", "username", "email", "first_name", "last_name", "is_active", "last_login", "date_joined"),
        erase=_login_erase,
    ),
    Section(
        "members/api_tokens",
        _("API tokens (devices; never their keys)"),
        ApiToken,
        lambda member: ApiToken.objects.filter(user_id=member.user_id).order_by("pk"),
        fields=("id", "device", "created_at", "last_used_at", "expires_at", "revoked_at"),
        erase=_api_tokens_erase,
    ),
    Section(
        "members/sessions",
        _("Your logged-in sessions (device and dates; never their keys)"),
        UserSession,
        lambda member: UserSession.objects.filter(user_id=member.user_id).order_by("pk"),
        fields=("id", "device", "created_at", "last_seen_at"),
        erase=lambda member: user_sessions_end_all(user=member.user, actor=None),
    ),
    Section(
        "members/otp_authenticators",
        _("Second factor: authenticator apps (names and dates; never their keys)"),
        TOTPDevice,
        lambda member: TOTPDevice.objects.filter(user_id=member.user_id).order_by("pk"),
        fields=DEVICE_FIELDS,
        erase=lambda member: _deleted(TOTPDevice.objects.filter(user_id=member.user_id)),
    ),
    Section(
        "members/otp_backup_codes",
        _("Second factor: backup code lists (names and dates; never the codes)"),
        StaticDevice,
        lambda member: StaticDevice.objects.filter(user_id=member.user_id).order_by("pk"),
        fields=DEVICE_FIELDS,
        erase=lambda member: _deleted(StaticDevice.objects.filter(user_id=member.user_id)),
    ),
    Section(
        "members/personal_data_exports",
        _("Copies of your data you asked for"),
        PersonalDataExport,
        lambda member: PersonalDataExport.objects.filter(member=member).order_by("pk"),
        fields=("id", "status", "created_at", "finished_at", "expires_at"),
        erase=_exports_erase,
    ),
    Section(
        "core/notifications",
        _("Notifications sent to you"),
        Notification,
        lambda member: Notification.objects.filter(recipient_id=member.user_id).order_by("pk"),
        erase=_notifications_erase,
    ),
    Section(
        "core/notification_preferences",
        _("Your notification settings"),
        NotificationPreference,
        lambda member: NotificationPreference.objects.filter(user_id=member.user_id).order_by("pk"),
        erase=lambda member: _deleted(NotificationPreference.objects.filter(user_id=member.user_id)),
    ),
    # Its erase is the ledger's (ledger.personal_data): an audit event changes only through it.
    Section("core/audit_events", _("Audit events about you or done by you"), AuditEvent, _audit_events),
)

audit_events_of = _audit_events


def _login_logs_erase(member: Any) -> int:
    """django-axes' logs of logins and failed attempts, kept by username (the old one)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    usernames = [value for value in erasure.current_values(member) if value != member.user.username]
    erased = 0
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        erased += _deleted(model.objects.filter(username__in=usernames)) if usernames else 0
    return erased


def erase_steps() -> None:
    erase_step("axes/login_logs", _login_logs_erase)
    erase_step("admin/log", _admin_log_erase)
    erase_step(
        "core/idempotency_records", lambda member: _deleted(IdempotencyRecord.objects.filter(user_id=member.user_id))
    )
    erase_step("core/outbox", _outbox_erase)


def exemptions() -> None:
    exempt(
        IdempotencyRecord,
        "a technical replay cache of API answers (kept a short while, then deleted); the rows those "
        "answers describe are exported in their own sections",
    )
