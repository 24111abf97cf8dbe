"""cooperative's part of a member's personal data export: their shareholder rows, the register's
movements to or from them, their subscription and redemption requests, and the certificate (PDF) of
each of their subscriptions.

On leaving (members.erasure): the register is kept by law (the movements do not change; a former
associate's identity is kept BOCAGE_RETENTION_SHARE_REGISTER_YEARS after they left): a shareholder
who ever held shares is first copied to a RetainedRecord (name, address, identity numbers, the
register's movements), then their address and SIREN are erased from the shareholder row; the
reasons written on their requests are erased. The certificates are made from the rows when asked
for (no stored file): after leaving, they show the pseudonym."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in, transaction_memos_erase
from members import erasure
from members.models import RetainedRecord
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


def _shareholders_erase(member: Any) -> int:
    person = erasure.current_identity(member)
    keep_until = erasure.years_after(erasure.left_on(member), settings.BOCAGE_RETENTION_SHARE_REGISTER_YEARS)
    erased = 0
    for holder in Shareholder.objects.filter(member=member).select_related("cooperative", "college").order_by("pk"):
        movements = ShareMovement.objects.filter(Q(from_shareholder=holder) | Q(to_shareholder=holder)).order_by("pk")
        if movements.exists():
            erasure.retain(
                member=member,
                purpose=RetainedRecord.Purpose.SHARE_REGISTER,
                legal_basis="share_register",
                reference=f"cooperative.shareholder:{holder.pk}",
                data={
                    **person,
                    "address": holder.address or person["address"],
                    "siren": holder.siren or person["siren"],
                    "cooperative": {
                        "id": holder.cooperative_id,
                        "name": holder.cooperative.name,
                        "siren": holder.cooperative.siren,
                    },
                    "shareholder": holder.pk,
                    "college": holder.college.name,
                    "admitted_on": holder.admitted_on,
                    "movements": [movement.number for movement in movements],
                },
                keep_until=keep_until,
            )
        if holder.address or holder.siren:
            erased += Shareholder.objects.filter(pk=holder.pk).update(address="", siren="")
    # The register's payments, in euros, touch no account of theirs; their memos name them.
    paid = _movements(member).exclude(ledger_transaction=None).values("ledger_transaction_id")
    return erased + transaction_memos_erase(member=member, transaction_ids=paid)


def _requests_erase(model: Any, member: Any) -> int:
    rows = model.objects.filter(shareholder__member=member)
    if model is SubscriptionRequest:
        rows = model.objects.filter(Q(member=member) | Q(shareholder__member=member))
    return model.objects.filter(pk__in=rows.exclude(rejection_reason="").values("pk")).update(rejection_reason="")


SECTIONS = (
    Section(
        "cooperative/shareholders",
        _("Your shareholder records"),
        Shareholder,
        lambda member: Shareholder.objects.filter(member=member).order_by("pk"),
        erase=_shareholders_erase,
    ),
    Section(
        "cooperative/share_movements",
        _("Movements of your shares in the register, and their certificates"),
        ShareMovement,
        lambda member: _movements(member).order_by("pk"),
        computed=amounts_in("capital_delta", unit="EUR"),
        files=_certificates,
        keeps="the share register is kept by law, unchanged (the associate's identity: cooperative/shareholders)",
    ),
    Section(
        "cooperative/subscription_requests",
        _("Your subscription requests"),
        SubscriptionRequest,
        lambda member: SubscriptionRequest.objects.filter(Q(member=member) | Q(shareholder__member=member)).order_by(
            "pk"
        ),
        erase=lambda member: _requests_erase(SubscriptionRequest, member),
    ),
    Section(
        "cooperative/redemption_requests",
        _("Your redemption requests"),
        RedemptionRequest,
        lambda member: RedemptionRequest.objects.filter(shareholder__member=member).order_by("pk"),
        erase=lambda member: _requests_erase(RedemptionRequest, member),
    ),
)
