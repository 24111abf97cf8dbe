"""API of pledges and matching pools, under /api/campaigns/{id}/.

A backer sees their own pledges; the campaign's owner, staff and auditors see every pledge. A
pledge is anonymous unless its backer chose to show their name; the owner then sees the backer
only if they chose a reward (to deliver it); staff and auditors see every backer
(selectors.BackerReader).
A pledge the caller may not see, or of a campaign they may not see, answers 404.

POST .../pledges/ honours an optional Idempotency-Key header: the same key and body again answer
the first answer (with `Idempotent-Replayed: true`). Without a key a second pledge is refused
anyway (422 already_pledged): a backer has one running pledge per campaign, changed with PATCH.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from djmoney.money import Money
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import checked_id, valid
from core.errors import InvalidInput, NotFound
from core.idempotency import HEADER, idempotency_key_from, run_idempotent
from crowdfunding import selectors
from crowdfunding.api.serializers import (
    MatchingPoolInputSerializer,
    MatchingPoolSerializer,
    PledgeDeliveredInputSerializer,
    PledgeInputSerializer,
    PledgePatchSerializer,
    PledgeSerializer,
)
from crowdfunding.models import Campaign, MatchingPool, Pledge, RewardTier
from crowdfunding.services import pledges as services
from members.models import Member

from .common import calling_member, visible_campaign

OPTIONAL_IDEMPOTENCY_HEADER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Optional: a unique key per pledge (UUID); a retry with the same key gets the first answer. "
    "Never put personal data in it (no name, e-mail or phone number): it is kept with the pledge for good.",
)


def _tier(campaign: Campaign, tier_id: int | None) -> RewardTier | None:
    if tier_id is None:
        return None
    tier = RewardTier.objects.filter(campaign=campaign, pk=tier_id).first()
    if tier is None:
        raise InvalidInput(fields={"tier": [_("This reward is not one of this campaign's.")]})
    return tier


def _visible_pledge(request: Request, pk: int, pledge_id: int) -> Pledge:
    campaign = visible_campaign(request.user, pk)
    return selectors.pledge_get_visible(user=request.user, pledge_id=checked_id(pledge_id), campaign_id=campaign.pk)


def pledge_out(request: Request, pledge: Pledge, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.pledge_get_visible(user=request.user, pledge_id=pledge.pk)
    return Response(PledgeSerializer(fresh, context={"request": request}).data, status=code)


class CampaignPledgesView(generics.ListAPIView):
    serializer_class = PledgeSerializer

    def get_queryset(self) -> QuerySet[Pledge]:
        campaign = visible_campaign(self.request.user, self.kwargs["pk"])
        return selectors.pledges_visible_to(self.request.user).filter(campaign=campaign).order_by("id")

    @extend_schema(
        description="Pledges of the campaign: your own; every one for the owner, staff and auditors. Oldest "
        "first. To the owner, `backer` is null for an anonymous backer who chose no reward."
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=PledgeInputSerializer,
        responses={201: PledgeSerializer},
        parameters=[OPTIONAL_IDEMPOTENCY_HEADER],
        description="Back the campaign: `amount` (in its unit, at least the reward's minimum) is held on "
        "your account until the deadline. 422 already_pledged if you already back it (change that pledge), "
        "insufficient_funds, tier_sold_out, below_tier_minimum, campaign_closed, own_campaign.",
    )
    def post(self, request: Request, pk: int) -> Response:
        key = request.headers.get(HEADER, "").strip() and idempotency_key_from(request)
        campaign = visible_campaign(request.user, pk)
        data = valid(PledgeInputSerializer, request.data)
        backer = calling_member(request.user, _("Only members may back a campaign."))

        def handler() -> Response:
            pledge = services.pledge_create(
                campaign=campaign,
                backer=backer,
                amount=Money(data["amount"], campaign.unit),
                tier=_tier(campaign, data["tier"]),
                anonymous=data["anonymous"],
                actor=request.user,
            )
            return pledge_out(request, pledge, status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler) if key else handler()


class PledgeDetailView(APIView):
    @extend_schema(responses=PledgeSerializer, description="A pledge (its backer, the owner, staff, auditors).")
    def get(self, request: Request, pk: int, pledge_id: int) -> Response:
        return pledge_out(request, _visible_pledge(request, pk, pledge_id))

    @extend_schema(
        request=PledgePatchSerializer,
        responses=PledgeSerializer,
        description="The backer raises or lowers the amount (the hold is replaced; a refusal keeps the old "
        "one), changes the reward (`tier`: null drops it) or the anonymity, while the campaign is live.",
    )
    def patch(self, request: Request, pk: int, pledge_id: int) -> Response:
        pledge = _visible_pledge(request, pk, pledge_id)
        data = valid(PledgePatchSerializer, request.data)
        changes: dict[str, Any] = {"anonymous": data.get("anonymous")}
        if "amount" in data:
            changes["amount"] = Money(data["amount"], pledge.campaign.unit)
        if "tier" in data:
            changes["tier"] = _tier(pledge.campaign, data["tier"])
        return pledge_out(request, services.pledge_change(pledge=pledge, actor=request.user, **changes))

    @extend_schema(
        request=None,
        responses={200: PledgeSerializer},
        description="The backer withdraws while the campaign is live: the hold (and its match) are released. "
        "Answers 200 with the withdrawn pledge (status `withdrawn`).",
    )
    def delete(self, request: Request, pk: int, pledge_id: int) -> Response:
        pledge = _visible_pledge(request, pk, pledge_id)
        return pledge_out(request, services.pledge_withdraw(pledge=pledge, actor=request.user))


class PledgeDeliveredView(APIView):
    @extend_schema(
        request=PledgeDeliveredInputSerializer,
        responses=PledgeSerializer,
        description="The owner records that a collected pledge's reward was handed over (or, with false, "
        "that it was not after all).",
    )
    def post(self, request: Request, pk: int, pledge_id: int) -> Response:
        pledge = _visible_pledge(request, pk, pledge_id)
        data = valid(PledgeDeliveredInputSerializer, request.data)
        marked = services.pledge_mark_delivered(pledge=pledge, delivered=data["delivered"], actor=request.user)
        return pledge_out(request, marked)


# --- matching pools -------------------------------------------------------------------------


def _pools(campaign: Campaign) -> QuerySet[MatchingPool]:
    return MatchingPool.objects.select_related("sponsor", "campaign").filter(campaign=campaign)


class MatchingPoolsView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        responses=MatchingPoolSerializer(many=True),
        description="The campaign's matching pools, active and closed, oldest first.",
    )
    def get(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        return Response(MatchingPoolSerializer(_pools(campaign), many=True, context={"request": request}).data)

    @extend_schema(
        request=MatchingPoolInputSerializer,
        responses={201: MatchingPoolSerializer},
        description="A sponsor matches the pledges of an approved or live campaign: `ratio` × each pledge, "
        "at most `per_backer_cap` each and `total_cap` in all, held on the sponsor's account. The running "
        "pledges are matched at once. Moderators may name another `sponsor`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        data = valid(MatchingPoolInputSerializer, request.data)
        if "sponsor" in data:
            sponsor = Member.objects.filter(pk=data["sponsor"]).first()
            if sponsor is None:
                raise InvalidInput(fields={"sponsor": [_("No such member.")]})
        else:
            sponsor = calling_member(request.user, _("Only members may sponsor a campaign."))
        per_backer = data.get("per_backer_cap")
        pool = services.pool_create(
            campaign=campaign,
            sponsor=sponsor,
            ratio=data["ratio"],
            total_cap=Money(data["total_cap"], campaign.unit),
            per_backer_cap=None if per_backer is None else Money(per_backer, campaign.unit),
            show_name=data["show_name"],
            actor=request.user,
        )
        return Response(
            MatchingPoolSerializer(_pools(campaign).get(pk=pool.pk), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class MatchingPoolCloseView(APIView):
    @extend_schema(
        request=None,
        responses=MatchingPoolSerializer,
        description="The sponsor (or a moderator) closes the pool to new matches; the matches made stand.",
    )
    def post(self, request: Request, pk: int, pool_id: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        pool = _pools(campaign).filter(pk=checked_id(pool_id)).first()
        if pool is None:
            raise NotFound()
        services.pool_close(pool=pool, actor=request.user)
        return Response(MatchingPoolSerializer(_pools(campaign).get(pk=pool.pk), context={"request": request}).data)


C = "campaigns/<int:pk>/"
urlpatterns = [
    path(C + "pledges/", CampaignPledgesView.as_view(), name="api-campaign-pledges"),
    path(C + "pledges/<int:pledge_id>/", PledgeDetailView.as_view(), name="api-campaign-pledge"),
    path(C + "pledges/<int:pledge_id>/delivered/", PledgeDeliveredView.as_view(), name="api-campaign-pledge-delivered"),
    path(C + "matching-pools/", MatchingPoolsView.as_view(), name="api-campaign-pools"),
    path(C + "matching-pools/<int:pool_id>/close/", MatchingPoolCloseView.as_view(), name="api-campaign-pool-close"),
]
