"""The members' audited actions, each as a sentence in the reader's language (core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import AuditActionSpec

AUDIT_ACTIONS = [
    AuditActionSpec("member_create", _("Created the member %(person)s (username %(username)s)")),
    AuditActionSpec("member_close", _("Closed the member %(person)s")),
    AuditActionSpec(
        "member_erase", _("Erased the personal data of %(person)s (%(retained_records)s records kept for the law)")
    ),
    AuditActionSpec("api_token_create", _("Issued an API token to %(person)s (%(device)s)")),
    AuditActionSpec("api_token_revoke", _("Revoked an API token of %(person)s")),
    AuditActionSpec("api_tokens_revoke", _("Revoked every API token of %(person)s")),
    AuditActionSpec("otp_device_add", _("Turned on the second factor of %(person)s")),
    AuditActionSpec("otp_backup_codes_renew", _("Renewed the backup codes of %(person)s")),
    AuditActionSpec("personal_data_export", _("Asked for a copy of the personal data of %(person)s")),
    AuditActionSpec("otp_device_remove", _("Removed the second factor of %(person)s")),
    AuditActionSpec("member_profile_update", _("Changed the profile of %(person)s (%(fields)s)")),
    AuditActionSpec("member_iban_change", _("Changed the IBAN of %(person)s (%(old)s → %(new)s)")),
    AuditActionSpec("member_email_change_request", _("Asked to change the e-mail address of %(person)s")),
    AuditActionSpec("member_email_change", _("Changed the e-mail address of %(person)s")),
    AuditActionSpec("password_reset_request", _("Sent a password reset link to %(person)s")),
    AuditActionSpec("user_session_end", _("Ended a session of %(person)s (%(device)s)")),
    AuditActionSpec("user_sessions_end", _("Ended %(sessions)s other sessions of %(person)s")),
]
