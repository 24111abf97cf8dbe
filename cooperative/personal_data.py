"""cooperative's part of a member's personal data export: their shareholder rows, the register's
movements to or from them, their subscription and redemption requests, and the certificate (PDF) of
each of their subscriptions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members.personal_data import Section

from .models import RedemptionRequest, Shareholder, ShareMovement, SubscriptionRequest
from .pdf import subscription_certificate_pdf


def _movements(member: Any) -> Any:
    return ShareMovement.objects.filter(Q(from_shareholder__member=member) | Q(to_shareholder__member=member))


def _certificates(member: Any) -> Iterator[tuple[str, bytes]]:
    subscriptions = (
        ShareMovement.objects.filter(to_shareholder__member=member, kind=ShareMovement.Kind.SUBSCRIPTION)
        .select_related("cooperative__commune", "share_class", "to_shareholder__member", "to_shareholder__college")
        .order_by("pk")
    )
    for movement in subscriptions:
        yield f"certificate-{movement.cooperative.siren}-{movement.number}.pdf", subscription_certificate_pdf(movement)


SECTIONS = (
    Section(
        "cooperative/shareholders",
        _("Your shareholder records"),
        Shareholder,
        lambda member: Shareholder.objects.filter(member=member).order_by("pk"),
    ),
    Section(
        "cooperative/share_movements",
        _("Movements of your shares in the register, and their certificates"),
        ShareMovement,
        lambda member: _movements(member).order_by("pk"),
        computed=amounts_in("capital_delta", unit="EUR"),
        files=_certificates,
    ),
    Section(
        "cooperative/subscription_requests",
        _("Your subscription requests"),
        SubscriptionRequest,
        lambda member: SubscriptionRequest.objects.filter(Q(member=member) | Q(shareholder__member=member)).order_by(
            "pk"
        ),
    ),
    Section(
        "cooperative/redemption_requests",
        _("Your redemption requests"),
        RedemptionRequest,
        lambda member: RedemptionRequest.objects.filter(shareholder__member=member).order_by("pk"),
    ),
)
