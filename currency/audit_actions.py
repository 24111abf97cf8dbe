"""The local currency's audited actions, each as a sentence in the reader's language (core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import LOCAL_UNIT, AuditActionSpec

AUDIT_ACTIONS = [
    AuditActionSpec(
        "reconversion_approve",
        _("Approved reconversion #%(id)s of %(person)s: %(amount)s (fee %(fee)s)"),
        amounts=(("amount", LOCAL_UNIT), ("fee", "EUR")),
    ),
    AuditActionSpec("reconversion_reject", _("Refused reconversion #%(id)s of %(person)s")),
    AuditActionSpec(
        "reconversion_payment",
        _("Exported SEPA transfer file #%(id)s: reconversions #%(reconversions)s, %(total)s in all"),
        amounts=(("total", "EUR"),),
    ),
    AuditActionSpec("commune_setup", _("Set up the commune %(label)s from the territory file")),
    AuditActionSpec("commune_remove", _("Removed the commune %(name)s (territory file)")),
    AuditActionSpec("comptoir_setup", _("Set up the exchange office %(label)s from the territory file")),
    AuditActionSpec("administrator_create", _("Created the administrator account %(username)s (territory file)")),
]
