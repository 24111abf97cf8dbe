"""Who sees what in the membership: the application queue and the members still to pay, for staff."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.l10n import format_long_date
from currency.models import Comptoir, Conversion
from currency.selectors.comptoirs import OtherReceipt
from members.models import Member

from .models import Application, MembershipPayment


def may_decide_applications(user: Any) -> bool:
    """Staff decide applications and waive memberships (the page and the inbox ask the same)."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def applications_pending() -> QuerySet[Application]:
    return Application.objects.filter(status=Application.Status.PENDING).select_related("member__commune")


def members_without_membership() -> QuerySet[Member]:
    """Active members who never paid (joined online, not paid yet) and whose application, if any,
    is not waiting: the ones a waiver may concern."""
    return (
        Member.objects.filter(status=Member.Status.ACTIVE, membership_expires_on__isnull=True)
        .exclude(application__status__in=[Application.Status.PENDING, Application.Status.REFUSED])
        .select_related("commune")
        .order_by("created_at", "id")
    )


def membership_receipts(comptoir: Comptoir, start: datetime.datetime, end: datetime.datetime) -> list[OtherReceipt]:
    """The membership fees an exchange office received in [start, end), for its cash report."""
    payments = MembershipPayment.objects.filter(comptoir=comptoir, created_at__gte=start, created_at__lt=end)
    methods = dict(Conversion.PaymentMethod.choices)
    return [
        OtherReceipt(
            created_at=payment.created_at,
            what=str(_("Membership until %(date)s") % {"date": format_long_date(payment.period_end)}),
            member_name=payment.member.display_name,
            payment_method=str(methods.get(payment.payment_method, payment.payment_method)),
            amount=payment.amount,
            recorded_by=payment.actor.get_username() if payment.actor else "",
        )
        for payment in payments.select_related("member", "actor").order_by("created_at", "id")
    ]
