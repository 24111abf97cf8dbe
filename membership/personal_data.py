"""membership's part of a member's personal data export: the membership fees they paid, the
documents they accepted (which version, when), their sign-up and their application.

On leaving (members.erasure): sign-ups (their e-mail, name and details) are deleted, the
application's text erased. The consents are kept: they prove what the member accepted (and hold
nothing but a user, a document and a date); the fees paid are the books."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members import erasure
from members.personal_data import Section

from .models import Application, Consent, MembershipPayment, PendingSignup


def _signups_erase(member: Any) -> int:
    emails = [value for value in erasure.current_values(member) if "@" in value]
    signups = Q(user_id=member.user_id)
    for email in emails:
        signups |= Q(email__iexact=email)
    return PendingSignup.objects.filter(signups).delete()[0]


def _applications_erase(member: Any) -> int:
    return Application.objects.filter(member=member).exclude(reason="").update(reason="")


SECTIONS = (
    Section(
        "membership/payments",
        _("Membership fees paid"),
        MembershipPayment,
        lambda member: MembershipPayment.objects.filter(member=member).order_by("pk"),
        keeps="the fees paid are the books",
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
        keeps="proof of what the member accepted (a legal obligation): a document and a date, no text",
    ),
    Section(
        "membership/signups",
        _("Sign-ups"),
        PendingSignup,
        lambda member: PendingSignup.objects.filter(user=member.user).order_by("pk"),
        erase=_signups_erase,
    ),
    Section(
        "membership/applications",
        _("Membership applications"),
        Application,
        lambda member: Application.objects.filter(member=member).order_by("pk"),
        erase=_applications_erase,
    ),
)
