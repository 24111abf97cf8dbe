"""The membership's audited actions, each as a sentence in the reader's language (core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import OBJECT_UNIT, AuditActionSpec

AUDIT_ACTIONS = [
    AuditActionSpec(
        "members_import",
        _("Imported members from a file: %(created)s created, %(existing)s already members, %(refused)s refused"),
    ),
    AuditActionSpec("member_signup", _("%(person)s joined online (address verified)")),
    AuditActionSpec("membership_application_approve", _("Accepted the application of %(person)s")),
    AuditActionSpec("membership_application_refuse", _("Refused the application of %(person)s")),
    AuditActionSpec("terms_accept", _("%(person)s accepted the new version of %(versions)s")),
    AuditActionSpec("membership_waive", _("Waived the membership of %(person)s until %(until)s")),
    AuditActionSpec("member_leave", _("%(person)s left Bocage")),
    AuditActionSpec(
        "leaving_gift",
        _("%(person)s gave %(amount)s to the community fund on leaving"),
        amounts=(("amount", OBJECT_UNIT),),
    ),
    AuditActionSpec(
        "leaving_write_off",
        _("Wrote off %(amount)s of %(person)s on leaving (%(reason)s)"),
        amounts=(("amount", OBJECT_UNIT),),
    ),
]
