"""The marketplace's audited actions, each as a sentence in the reader's language (core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import AuditActionSpec

AUDIT_ACTIONS = [
    AuditActionSpec("dispute_resolve", _("Settled the dispute on exchange #%(id)s: %(outcome)s")),
    AuditActionSpec("listing_hide", _("Hid the listing “%(label)s” of %(person)s")),
    AuditActionSpec("listing_unhide", _("Showed the listing “%(label)s” of %(person)s again")),
]
