"""What of the cooperatives keeps a member from leaving (members.leaving): shares still held (their
redemption follows each cooperative's rules) and subscription or redemption requests not decided."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from members.leaving import REQUESTS_PENDING, SHARES_HELD, Obstacle
from members.models import Member

from .models import RedemptionRequest, Shareholder, SubscriptionRequest
from .selectors import redemption_requests_own, shares_of, subscription_requests_own


def obstacles(member: Member) -> Iterator[Obstacle]:
    user = member.user
    for shareholder in Shareholder.objects.filter(member=member).select_related("cooperative").order_by("id"):
        cooperative = shareholder.cooperative
        held = shares_of(shareholder)
        if held > 0:
            yield Obstacle(
                code=SHARES_HELD,
                message=_(
                    "You still hold %(count)s shares of %(cooperative)s: ask for their redemption, "
                    "which follows the cooperative's rules."
                )
                % {"count": held, "cooperative": cooperative.name},
                url=reverse("cooperative-redeem", args=[cooperative.pk]),
                details={"cooperative": cooperative.pk, "shares": held},
            )
    cooperatives = {
        request.cooperative
        for request in SubscriptionRequest.objects.filter(member=member).select_related("cooperative")
    } | {
        request.cooperative
        for request in RedemptionRequest.objects.filter(shareholder__member=member).select_related("cooperative")
    }
    for cooperative in sorted(cooperatives, key=lambda cooperative: cooperative.pk):
        waiting = subscription_requests_own(user, cooperative).filter(
            status__in=[SubscriptionRequest.Status.REQUESTED, SubscriptionRequest.Status.APPROVED]
        )
        for request in waiting:
            yield Obstacle(
                code=REQUESTS_PENDING,
                message=_("Your request for shares of %(cooperative)s is not decided yet (%(status)s).")
                % {"cooperative": cooperative.name, "status": request.get_status_display()},
                url=reverse("cooperative-my-shares", args=[cooperative.pk]),
                details={"cooperative": cooperative.pk, "subscription_request": request.pk},
            )
        redemptions = redemption_requests_own(user, cooperative).filter(
            status__in=[RedemptionRequest.Status.REQUESTED, RedemptionRequest.Status.APPROVED]
        )
        for redemption in redemptions:
            yield Obstacle(
                code=REQUESTS_PENDING,
                message=_("Your redemption of shares of %(cooperative)s is not paid yet (%(status)s).")
                % {"cooperative": cooperative.name, "status": redemption.get_status_display()},
                url=reverse("cooperative-my-shares", args=[cooperative.pk]),
                details={"cooperative": cooperative.pk, "redemption_request": redemption.pk},
            )
