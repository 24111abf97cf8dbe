"""Audited actions of the administration (users, logins), each as a sentence in the reader's language (core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import AuditActionSpec

AUDIT_ACTIONS = [
    AuditActionSpec("user_password_change", _("Changed the password of %(person)s in the administration")),
    AuditActionSpec(
        "login_unlock", _("Unlocked the logins of %(username)s from %(ip_address)s (failures: %(failures)s)")
    ),
]
