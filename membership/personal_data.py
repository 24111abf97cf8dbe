"""membership's part of a member's personal data export: the membership fees they paid."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members.personal_data import Section

from .models import MembershipPayment

SECTIONS = (
    Section(
        "membership/payments",
        _("Membership fees paid"),
        MembershipPayment,
        lambda member: MembershipPayment.objects.filter(member=member).order_by("pk"),
        computed=amounts_in("amount"),
    ),
)
