"""membership's part of a member's personal data export: the membership fees they paid, the
documents they accepted (which version, when), their sign-up and their application."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members.personal_data import Section

from .models import Application, Consent, MembershipPayment, PendingSignup

SECTIONS = (
    Section(
        "membership/payments",
        _("Membership fees paid"),
        MembershipPayment,
        lambda member: MembershipPayment.objects.filter(member=member).order_by("pk"),
        computed=amounts_in("amount"),
    ),
    Section(
        "membership/consents",
        _("Documents accepted"),
        Consent,
        lambda member: [
            {
                "id": consent.pk,
                "document": consent.document.get_kind_display(),
                "version": consent.document.version,
                "accepted_at": consent.accepted_at,
            }
            for consent in Consent.objects.filter(user=member.user).select_related("document").order_by("pk")
        ],
        fields=("id", "document", "version", "accepted_at"),
    ),
    Section(
        "membership/signups",
        _("Sign-ups"),
        PendingSignup,
        lambda member: PendingSignup.objects.filter(user=member.user).order_by("pk"),
    ),
    Section(
        "membership/applications",
        _("Membership applications"),
        Application,
        lambda member: Application.objects.filter(member=member).order_by("pk"),
    ),
)
