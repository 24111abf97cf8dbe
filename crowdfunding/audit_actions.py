"""Crowdfunding's audited actions, each as a sentence in the reader's language (core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import AuditActionSpec

AUDIT_ACTIONS = [
    AuditActionSpec("pool_create", _("Opened matching pool #%(id)s on campaign #%(campaign)s (ratio %(ratio)s)")),
    AuditActionSpec("pool_close", _("Closed matching pool #%(id)s of campaign #%(campaign)s")),
    AuditActionSpec("campaign_approve", _("Approved the campaign “%(label)s” of %(person)s (fee rate %(fee_rate)s)")),
    AuditActionSpec("campaign_send_back", _("Sent the campaign “%(label)s” back to %(person)s for changes")),
    AuditActionSpec("campaign_cancel", _("Cancelled the campaign “%(label)s” of %(person)s")),
]
