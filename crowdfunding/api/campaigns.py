"""API of campaigns: list (public, filtered), write a draft, moderate, rewards, images, news.

Anyone may read what the selectors let them see; a campaign the caller may not see answers 404,
whether it exists or not. Transitions are POST /api/campaigns/{id}/<action>/; repeating one that
already happened answers 200 with the unchanged campaign, a forbidden one 422
transition_not_allowed (403 when it is not the caller's to do).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from djmoney.money import Money
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import checked_id, valid
from core.errors import NotFound, PermissionDenied
from crowdfunding import selectors
from crowdfunding.api.serializers import (
    CampaignApproveInputSerializer,
    CampaignCancelInputSerializer,
    CampaignDetailSerializer,
    CampaignImageInputSerializer,
    CampaignImageSerializer,
    CampaignInputSerializer,
    CampaignPatchSerializer,
    CampaignSerializer,
    CampaignUpdateInputSerializer,
    CampaignUpdateSerializer,
    ModerationQueueItemSerializer,
    RewardTierInputSerializer,
    RewardTierPatchSerializer,
    RewardTierSerializer,
    SendBackInputSerializer,
)
from crowdfunding.models import Campaign, CampaignImage, CampaignUpdate, RewardTier
from crowdfunding.services import campaigns as services
from crowdfunding.services import tiers
from crowdfunding.services.updates import campaign_update_post
from ledger.selectors import can_read_everything
from members.models import Commune

from .common import calling_member, visible_campaign

READ_ANYONE = [permissions.IsAuthenticatedOrReadOnly]


class CampaignFilter(django_filters.FilterSet):
    """The list's filters; `filter_queryset` hands them all to the `campaign_list` selector."""

    status = django_filters.ChoiceFilter(
        choices=[(name, name) for name in ("live", "upcoming", "succeeded", "failed")],
        help_text="live, upcoming (approved, not started), succeeded (paid out included) or failed; "
        "absent: every listed campaign.",
    )
    commune = django_filters.ModelChoiceFilter(queryset=Commune.objects.all(), help_text="Commune id.")
    unit = django_filters.ChoiceFilter(choices=[(code, code) for code in settings.BOCAGE_CAMPAIGN_UNITS])
    q = django_filters.CharFilter(max_length=200, help_text="Words of the title or the summary.")

    class Meta:
        model = Campaign
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
        data = self.form.cleaned_data
        commune = data.get("commune")
        return selectors.campaign_list(
            user=self.request.user,
            status=data.get("status") or "",
            commune_id=commune.pk if commune is not None else None,
            unit=data.get("unit") or "",
            query=data.get("q") or "",
        ).select_related("owner", "commune")


def campaign_out(request: Request, campaign: Campaign, code: int = status.HTTP_200_OK) -> Response:
    fresh = visible_campaign(request.user, campaign.pk)
    return Response(CampaignDetailSerializer(fresh, context={"request": request}).data, status=code)


def _money_fields(data: dict[str, Any], unit: str) -> dict[str, Any]:
    for name in ("goal", "stretch_goal"):
        if name in data:
            data[name] = None if data[name] is None else Money(data[name], unit)
    return data


class ProgressOfThePage:
    """A list of campaigns reads the progress of its page's campaigns in one query, not one per row."""

    progress: dict[int, selectors.Progress]

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)  # type: ignore[misc]
        self.progress = selectors.campaigns_progress(page if page is not None else queryset)
        return page

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "progress": getattr(self, "progress", {})}  # type: ignore[misc]


class CampaignListView(ProgressOfThePage, generics.ListAPIView):
    serializer_class = CampaignSerializer
    permission_classes = READ_ANYONE
    filter_backends = [DjangoFilterBackend]
    filterset_class = CampaignFilter

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaign_list(user=self.request.user).select_related("owner", "commune")

    @extend_schema(
        description="Listed campaigns (approved, live, succeeded, paid out), open to anyone: live first "
        "(soonest deadline), then upcoming, then finished. Drafts and campaigns under review never appear."
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CampaignInputSerializer,
        responses={201: CampaignDetailSerializer},
        description="Start a draft campaign of your own (members). Amounts in `unit`; the platform fee rate "
        "is the unit's default until a moderator sets it.",
    )
    def post(self, request: Request) -> Response:
        data = valid(CampaignInputSerializer, request.data)
        raises_shares = data.get("share_class") is not None or data.get("share_college") is not None
        unit = services.campaign_unit(data.pop("unit"), raises_shares=raises_shares)
        owner = calling_member(request.user, _("Only members may start a campaign."))
        created = services.campaign_create(owner=owner, unit=unit, actor=request.user, **_money_fields(data, unit))
        return campaign_out(request, created, status.HTTP_201_CREATED)


class CampaignMineView(ProgressOfThePage, generics.ListAPIView):
    serializer_class = CampaignSerializer

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaigns_of_owner(user=self.request.user).select_related("owner", "commune")

    @extend_schema(description="Your own campaigns in every status (drafts too), newest first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ModerationQueueView(generics.ListAPIView):
    serializer_class = ModerationQueueItemSerializer

    def get_queryset(self) -> QuerySet[Campaign]:
        if not can_read_everything(self.request.user):
            raise PermissionDenied(_("Only a moderator may do this."))
        return selectors.moderation_queue().select_related("commune")

    @extend_schema(
        description="Moderators (auditors may read it): submitted campaigns, oldest first, then the "
        "succeeded ones whose payout was refused (see `payout_error`)."
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CampaignDetailView(APIView):
    permission_classes = READ_ANYONE

    @extend_schema(
        responses=CampaignDetailSerializer,
        description="A campaign with its progress, rewards and remaining stock, active matching pool and, "
        "once decided, its result. `moderation_comment` and `payout_error` are null except for the owner "
        "and moderators.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return campaign_out(request, visible_campaign(request.user, pk))

    @extend_schema(
        request=CampaignPatchSerializer,
        responses=CampaignDetailSerializer,
        description="The owner changes a draft (422 campaign_not_editable once submitted). Amounts are read "
        "in the new `unit` if given, else the campaign's.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        data = valid(CampaignPatchSerializer, request.data)
        if "unit" in data:
            data["unit"] = services.campaign_unit(data["unit"], raises_shares=campaign.raises_shares)
        unit = data.get("unit", campaign.unit)
        changed = services.campaign_update(campaign=campaign, actor=request.user, **_money_fields(data, unit))
        return campaign_out(request, changed)


class CampaignSubmitView(APIView):
    @extend_schema(
        request=None,
        responses=CampaignDetailSerializer,
        description="The owner sends a draft to the moderators.",
    )
    def post(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        return campaign_out(request, services.campaign_submit(campaign=campaign, actor=request.user))


class CampaignApproveView(APIView):
    @extend_schema(
        request=CampaignApproveInputSerializer,
        responses=CampaignDetailSerializer,
        description="A moderator approves a submitted campaign, maybe setting its fee rate: it is live at "
        "once if its start has come, else approved until then.",
    )
    def post(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        data = valid(CampaignApproveInputSerializer, request.data)
        approved = services.campaign_approve(
            campaign=campaign, actor=request.user, fee_rate=data.get("fee_rate"), comment=data["comment"]
        )
        return campaign_out(request, approved)


class CampaignSendBackView(APIView):
    @extend_schema(
        request=SendBackInputSerializer,
        responses=CampaignDetailSerializer,
        description="A moderator returns a submitted campaign to its owner as a draft, with comments.",
    )
    def post(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        data = valid(SendBackInputSerializer, request.data)
        returned = services.campaign_send_back(campaign=campaign, actor=request.user, comment=data["comment"])
        return campaign_out(request, returned)


class CampaignCancelView(APIView):
    @extend_schema(
        request=CampaignCancelInputSerializer,
        responses=CampaignDetailSerializer,
        description="Cancel before the decision: a moderator at any point, the owner while draft or "
        "submitted. Every running pledge is released.",
    )
    def post(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        data = valid(CampaignCancelInputSerializer, request.data)
        cancelled = services.campaign_cancel(campaign=campaign, actor=request.user, reason=data["reason"])
        return campaign_out(request, cancelled)


# --- rewards --------------------------------------------------------------------------------


def _tier_of(campaign: Campaign, tier_id: int) -> RewardTier:
    tier = campaign.tiers.filter(pk=checked_id(tier_id)).select_related("campaign").first()
    if tier is None:
        raise NotFound()
    return tier


class CampaignTiersView(APIView):
    permission_classes = READ_ANYONE

    @extend_schema(responses=RewardTierSerializer(many=True), description="The rewards, with their remaining stock.")
    def get(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        tiers = campaign.tiers.select_related("campaign")
        return Response(RewardTierSerializer(tiers, many=True).data)

    @extend_schema(
        request=RewardTierInputSerializer,
        responses={201: RewardTierSerializer},
        description="The owner adds a reward to a draft; `minimum` in the campaign's unit.",
    )
    def post(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        data = valid(RewardTierInputSerializer, request.data)
        data["minimum"] = Money(data["minimum"], campaign.unit)
        tier = tiers.tier_create(campaign=campaign, actor=request.user, **data)
        return Response(RewardTierSerializer(_tier_of(campaign, tier.pk)).data, status=status.HTTP_201_CREATED)


class TierDetailView(APIView):
    @extend_schema(
        request=RewardTierPatchSerializer, responses=RewardTierSerializer, description="The owner edits a reward."
    )
    def patch(self, request: Request, pk: int, tier_id: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        tier = _tier_of(campaign, tier_id)
        data = valid(RewardTierPatchSerializer, request.data)
        if "minimum" in data:
            data["minimum"] = Money(data["minimum"], campaign.unit)
        tiers.tier_update(tier=tier, actor=request.user, **data)
        return Response(RewardTierSerializer(_tier_of(campaign, tier.pk)).data)

    @extend_schema(request=None, responses={204: None}, description="The owner removes a reward from a draft.")
    def delete(self, request: Request, pk: int, tier_id: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        tiers.tier_delete(tier=_tier_of(campaign, tier_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- images ---------------------------------------------------------------------------------


class CampaignImagesView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": CampaignImageInputSerializer},
        responses={201: CampaignImageSerializer},
        description="The owner adds an image (at most 6; resized and re-encoded; not an image → 400 "
        "invalid_image, too large → 400 image_too_large) until the campaign is decided.",
    )
    def post(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        data = valid(CampaignImageInputSerializer, request.data)
        image = services.campaign_image_add(
            campaign=campaign, upload=data["image"], alt_text=data["alt_text"], actor=request.user
        )
        return Response(CampaignImageSerializer(image, context={"request": request}).data, status=201)


class CampaignImageDetailView(APIView):
    @extend_schema(request=None, responses={204: None}, description="The owner removes an image.")
    def delete(self, request: Request, pk: int, image_id: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        image = CampaignImage.objects.select_related("campaign").filter(campaign=campaign, pk=checked_id(image_id))
        found = image.first()
        if found is None:
            raise NotFound()
        services.campaign_image_remove(image=found, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- news -----------------------------------------------------------------------------------


class CampaignUpdatesView(generics.ListAPIView):
    serializer_class = CampaignUpdateSerializer
    permission_classes = READ_ANYONE

    def get_queryset(self) -> QuerySet[CampaignUpdate]:
        campaign = visible_campaign(self.request.user, self.kwargs["pk"])
        return campaign.updates.all()

    @extend_schema(description="The campaign's news, newest first (anyone who may see the campaign).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CampaignUpdateInputSerializer,
        responses={201: CampaignUpdateSerializer},
        description="The owner publishes news (once approved); every backer is e-mailed.",
    )
    def post(self, request: Request, pk: int) -> Response:
        campaign = visible_campaign(request.user, pk)
        data = valid(CampaignUpdateInputSerializer, request.data)
        update = campaign_update_post(campaign=campaign, title=data["title"], body=data["body"], actor=request.user)
        return Response(CampaignUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


C = "campaigns/<int:pk>/"
urlpatterns = [
    path("campaigns/", CampaignListView.as_view(), name="api-campaigns"),
    path("campaigns/mine/", CampaignMineView.as_view(), name="api-campaigns-mine"),
    path("campaigns/moderation/", ModerationQueueView.as_view(), name="api-campaigns-moderation"),
    path(C, CampaignDetailView.as_view(), name="api-campaign"),
    path(C + "submit/", CampaignSubmitView.as_view(), name="api-campaign-submit"),
    path(C + "approve/", CampaignApproveView.as_view(), name="api-campaign-approve"),
    path(C + "send-back/", CampaignSendBackView.as_view(), name="api-campaign-send-back"),
    path(C + "cancel/", CampaignCancelView.as_view(), name="api-campaign-cancel"),
    path(C + "tiers/", CampaignTiersView.as_view(), name="api-campaign-tiers"),
    path(C + "tiers/<int:tier_id>/", TierDetailView.as_view(), name="api-campaign-tier"),
    path(C + "images/", CampaignImagesView.as_view(), name="api-campaign-images"),
    path(C + "images/<int:image_id>/", CampaignImageDetailView.as_view(), name="api-campaign-image"),
    path(C + "updates/", CampaignUpdatesView.as_view(), name="api-campaign-updates"),
]
