"""What of the local currency keeps a member from leaving (members.leaving): reconversions not
decided or not paid yet, and payment requests still open into their accounts."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from ledger.units import get_unit
from members.leaving import HOLDS_PENDING, REQUESTS_PENDING, Obstacle
from members.models import Member

from .models import PaymentRequest, Reconversion
from .selectors.payments import payment_requests_of
from .selectors.reconversions import reconversions_visible_to


def obstacles(member: Member) -> Iterator[Obstacle]:
    user = member.user
    waiting = reconversions_visible_to(user).filter(
        member=member, status__in=[Reconversion.Status.REQUESTED, Reconversion.Status.APPROVED]
    )
    for reconversion in waiting.order_by("id"):
        yield Obstacle(
            code=REQUESTS_PENDING,
            message=_("Your reconversion of %(amount)s is not paid yet (%(status)s).")
            % {"amount": get_unit("EUR").format(reconversion.amount), "status": reconversion.get_status_display()},
            url=reverse("reconversion-list"),
            details={"reconversion": reconversion.pk, "status": reconversion.status},
        )
    for request in payment_requests_of(user).filter(status=PaymentRequest.Status.OPEN).order_by("id"):
        unit = get_unit(request.payee_account.unit)
        yield Obstacle(
            code=HOLDS_PENDING,
            message=_("Your payment request of %(amount)s is still open: cancel it.")
            % {"amount": unit.format(request.amount)},
            url=reverse("payment-request-detail", args=[request.token]),
            details={
                "payment_request": str(request.token),
                "unit": unit.code,
                "amount": str(unit.to_decimal(request.amount)),
                "amount_display": unit.format(request.amount),
            },
        )
