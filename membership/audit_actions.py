"""The membership's audited actions, each as a sentence in the reader's language (core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import AuditActionSpec

AUDIT_ACTIONS = [
    AuditActionSpec(
        "members_import",
        _("Imported members from a file: %(created)s created, %(existing)s already members, %(refused)s refused"),
    ),
]
