"""The cooperatives' audited actions, each as a sentence in the reader's language (core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import AuditActionSpec

AUDIT_ACTIONS = [
    AuditActionSpec("share_transfer", _("Recorded the share transfer #%(number)s (shares: %(quantity)s)")),
    AuditActionSpec("movement_cancel", _("Cancelled register movement #%(id)s (board decision: %(board_decision)s)")),
    AuditActionSpec("cooperative_create", _("Registered the cooperative %(name)s (SIREN %(siren)s)")),
    AuditActionSpec(
        "share_class_create",
        _("Created the share class %(code)s (nominal value %(nominal_value)s)"),
        amounts=(("nominal_value", "EUR"),),
    ),
    AuditActionSpec("colleges_define", _("Defined the colleges of %(label)s")),
    AuditActionSpec("shareholder_admit", _("Admitted %(person)s as a shareholder (college %(college)s)")),
    AuditActionSpec("subscription_approve", _("Approved subscription request #%(id)s of %(person)s")),
    AuditActionSpec("subscription_reject", _("Refused subscription request #%(id)s of %(person)s")),
    AuditActionSpec(
        "subscription_pay",
        _("Recorded the payment of subscription #%(id)s of %(person)s (shares issued: %(quantity)s)"),
    ),
    AuditActionSpec("share_subscribe", _("Issued shares to %(person)s (shares: %(quantity)s)")),
    AuditActionSpec(
        "redemption_approve",
        _("Approved redemption request #%(id)s of %(person)s, due on %(due_on)s"),
        dates=("due_on",),
    ),
    AuditActionSpec("redemption_reject", _("Refused redemption request #%(id)s of %(person)s")),
    AuditActionSpec(
        "redemption_pay", _("Paid redemption request #%(id)s of %(person)s (shares redeemed: %(quantity)s)")
    ),
]
