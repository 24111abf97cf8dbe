"""The ledger's audited actions, each as a sentence in the reader's language (core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import OBJECT_UNIT, AuditActionSpec

AUDIT_ACTIONS = [
    AuditActionSpec("account_freeze", _("Froze account #%(id)s (%(person)s)")),
    AuditActionSpec("account_unfreeze", _("Unfroze account #%(id)s (%(person)s)")),
    AuditActionSpec("account_close", _("Closed account #%(id)s (%(person)s)")),
    AuditActionSpec("account_status", _("Status of account #%(id)s (%(person)s) changed from %(old)s to %(new)s")),
    AuditActionSpec(
        "limit_change",
        _("Changed the limits of account #%(id)s (%(person)s): %(new)s (before: %(old)s)"),
        amounts=(("new", OBJECT_UNIT), ("old", OBJECT_UNIT)),
    ),
    AuditActionSpec("reversal", _("Reversed transaction #%(id)s (by transaction #%(reversal)s)")),
]
