"""API shapes of crowdfunding. Amounts travel as strings in major units beside the campaign's unit.

Statuses are plain strings in the schema, not enums: "status" already names enums in several
apps, and a second one of that name would be a schema warning.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cooperative.models import College, ShareClass
from core.api import MAX_ID
from crowdfunding import selectors
from crowdfunding.models import Campaign, CampaignImage, CampaignUpdate, MatchingPool, Pledge, RewardTier
from crowdfunding.selectors import is_moderator
from ledger.api.serializers import AmountInputField, MinorAmountField, StrictDecimalInputField
from ledger.units import get_unit
from members.models import Commune

CAMPAIGN_STATUSES = ", ".join(Campaign.Status.values)
PLEDGE_STATUSES = ", ".join(Pledge.Status.values)


class CampaignAmountField(MinorAmountField):
    """An amount (minor units) of an object that has no unit of its own: its campaign's unit."""

    def get_attribute(self, instance: Any) -> Any:
        value = serializers.Field.get_attribute(self, instance)
        return (value, instance.campaign.unit)


def _amount(minor: int | None, unit: str) -> str | None:
    return None if minor is None else str(get_unit(unit).to_decimal(minor))


def _is_owner(request: Any, campaign: Campaign) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and campaign.owner.user_id == user.pk)


def _owner_or_moderator(context: dict[str, Any], campaign: Campaign) -> bool:
    request = context.get("request")
    if request is None:
        return False
    return _is_owner(request, campaign) or is_moderator(request.user)


# --- read shapes ----------------------------------------------------------------------------


class CampaignPartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class CampaignProgressSerializer(serializers.Serializer):
    pledged = serializers.CharField(help_text="Running pledges plus matches; once decided, what was raised.")
    matched = serializers.CharField(help_text="Of which matched by sponsors.")
    backers = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Of the goal; may exceed 100.")
    stretch_percent = serializers.IntegerField(allow_null=True, help_text="Of the stretch goal, if any.")
    days_left = serializers.IntegerField(allow_null=True, help_text="null once the deadline has passed.")
    pledges_total = serializers.IntegerField(help_text="Pledges to settle at the close (withdrawn ones excepted).")
    pledges_settled = serializers.IntegerField(help_text="Of which settled (collected or released) so far.")


def progress_data(campaign: Campaign, progress: selectors.Progress | None = None) -> dict[str, Any]:
    progress = progress or selectors.campaign_progress(campaign)
    return {
        "pledged": _amount(progress.pledged, campaign.unit),
        "matched": _amount(progress.matched, campaign.unit),
        "backers": progress.backers,
        "percent": progress.percent,
        "stretch_percent": progress.stretch_percent,
        "days_left": progress.days_left,
        "pledges_total": progress.pledges_total,
        "pledges_settled": progress.pledges_settled,
    }


class RewardTierSerializer(serializers.ModelSerializer):
    minimum = CampaignAmountField()
    remaining = serializers.IntegerField(read_only=True, allow_null=True, help_text="null: unlimited stock.")

    class Meta:
        model = RewardTier
        fields = [
            "id",
            "title",
            "description",
            "minimum",
            "stock",
            "claimed",
            "remaining",
            "estimated_delivery",
            "position",
        ]
        read_only_fields = fields


class MatchingPoolSerializer(serializers.ModelSerializer):
    sponsor = serializers.SerializerMethodField(
        help_text="The sponsor, if they chose to be named (show_name) or you are them or a moderator; else null."
    )
    show_name = serializers.BooleanField(read_only=True)
    unit = serializers.CharField(source="campaign.unit", read_only=True)
    ratio = serializers.DecimalField(max_digits=6, decimal_places=3, read_only=True)
    per_backer_cap = CampaignAmountField(help_text="null: no cap per backer.")
    total_cap = CampaignAmountField()
    matched_total = CampaignAmountField()
    remaining = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True, help_text="active or closed")

    class Meta:
        model = MatchingPool
        fields = [
            "id",
            "sponsor",
            "show_name",
            "unit",
            "ratio",
            "per_backer_cap",
            "total_cap",
            "matched_total",
            "remaining",
            "status",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "decimal", "example": "150.00"})
    def get_remaining(self, obj: MatchingPool) -> str | None:
        return _amount(obj.total_cap - obj.matched_total, obj.campaign.unit)

    @extend_schema_field(CampaignPartySerializer(allow_null=True))
    def get_sponsor(self, obj: MatchingPool) -> dict[str, Any] | None:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        reader_may_know = bool(
            user is not None and user.is_authenticated and (obj.sponsor.user_id == user.pk or is_moderator(user))
        )
        if not (obj.show_name or reader_may_know):
            return None
        return {"id": obj.sponsor_id, "display_name": obj.sponsor.display_name}


class CampaignImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = CampaignImage
        fields = ["id", "url", "width", "height", "alt_text", "position"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, obj: CampaignImage) -> str:
        request = self.context.get("request")
        url = obj.image.url
        return request.build_absolute_uri(url) if request is not None else url


class CampaignSerializer(serializers.ModelSerializer):
    """A campaign in a list: what a card shows."""

    owner = CampaignPartySerializer(read_only=True)
    commune_name = serializers.CharField(source="commune.name", read_only=True, allow_null=True, default=None)
    goal = MinorAmountField()
    stretch_goal = MinorAmountField()
    funding_model = serializers.CharField(read_only=True, help_text="all_or_nothing or keep_it_all")
    status = serializers.CharField(read_only=True, help_text=CAMPAIGN_STATUSES)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "title",
            "summary",
            "owner",
            "commune",
            "commune_name",
            "unit",
            "goal",
            "stretch_goal",
            "starts_at",
            "deadline",
            "funding_model",
            "status",
            "progress",
            "share_class",
            "share_college",
        ]
        read_only_fields = fields

    @extend_schema_field(CampaignProgressSerializer)
    def get_progress(self, obj: Campaign) -> dict[str, Any]:
        # A list reads every campaign's progress at once (ProgressOfThePage); a campaign alone, its own.
        return progress_data(obj, self.context.get("progress", {}).get(obj.pk))


class CampaignDetailSerializer(CampaignSerializer):
    """A campaign with its story, rewards, images, matching pool and, once decided, its result."""

    tiers = RewardTierSerializer(many=True, read_only=True)
    images = CampaignImageSerializer(many=True, read_only=True)
    matching_pool = serializers.SerializerMethodField()
    raised_total = MinorAmountField(help_text="Set when the campaign is decided.")
    fee_amount = MinorAmountField()
    payout_amount = MinorAmountField()
    fee_rate = serializers.DecimalField(max_digits=5, decimal_places=4, read_only=True)
    is_open_for_pledges = serializers.BooleanField(read_only=True)
    moderation_comment = serializers.SerializerMethodField()
    payout_error = serializers.SerializerMethodField()

    class Meta(CampaignSerializer.Meta):
        fields = [
            *CampaignSerializer.Meta.fields,
            "story",
            "tiers",
            "images",
            "matching_pool",
            "is_open_for_pledges",
            "fee_rate",
            "raised_total",
            "fee_amount",
            "payout_amount",
            "decided_at",
            "paid_out_at",
            "cancelled_reason",
            "moderation_comment",
            "payout_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MatchingPoolSerializer(allow_null=True))
    def get_matching_pool(self, obj: Campaign) -> dict[str, Any] | None:
        pool = selectors.active_pool(obj)
        return None if pool is None else MatchingPoolSerializer(pool, context=self.context).data

    @extend_schema_field({"type": "string", "nullable": True, "description": "Only for the owner and moderators."})
    def get_moderation_comment(self, obj: Campaign) -> str | None:
        return obj.moderation_comment if _owner_or_moderator(self.context, obj) else None

    @extend_schema_field(
        {"type": "string", "nullable": True, "description": "Why the payout waits; owner and moderators only."}
    )
    def get_payout_error(self, obj: Campaign) -> str | None:
        return obj.payout_error if _owner_or_moderator(self.context, obj) else None


class PledgeRewardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class PledgeSerializer(serializers.ModelSerializer):
    """A pledge, as its backer, the campaign's owner, staff and auditors see it; the backer as the
    reader may see them (selectors.BackerReader): null for an anonymous backer without a reward,
    to the owner. The view passes the request in the context."""

    backer = serializers.SerializerMethodField()
    tier = PledgeRewardSerializer(read_only=True, allow_null=True)
    amount = MinorAmountField()
    match_amount = MinorAmountField(help_text="Added by the matching pool.")
    status = serializers.CharField(read_only=True, help_text=PLEDGE_STATUSES)
    anonymous = serializers.BooleanField(
        read_only=True,
        help_text="true (the default) unless the backer chose to show their name. An anonymous backer is "
        "« Anonyme » on the public page; the owner sees their name only if they chose a reward.",
    )

    class Meta:
        model = Pledge
        fields = [
            "id",
            "campaign",
            "backer",
            "tier",
            "unit",
            "amount",
            "match_amount",
            "status",
            "anonymous",
            "hold",
            "shares",
            "subscription_request",
            "reward_delivered_at",
            "created_at",
            "updated_at",
            "resolved_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CampaignPartySerializer(allow_null=True))
    def get_backer(self, obj: Pledge) -> dict[str, Any] | None:
        reader = self.context.get("backer_reader")
        if reader is None:
            request = self.context.get("request")
            anyone = selectors.BackerReader(member_id=None, sees_everything=False)
            reader = selectors.backer_reader(request.user) if request is not None else anyone
            self.context["backer_reader"] = reader  # once for a whole list
        seen = reader.seen(obj)
        return None if seen.name is None else {"id": seen.member_id, "display_name": seen.name}


class CampaignUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignUpdate
        fields = ["id", "title", "body", "created_at"]
        read_only_fields = fields


class ModerationQueueItemSerializer(CampaignSerializer):
    payout_error = serializers.CharField(read_only=True)

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "payout_error", "moderation_comment", "updated_at"]
        read_only_fields = fields


# --- input shapes ---------------------------------------------------------------------------


class CampaignInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    summary = serializers.CharField(max_length=300)
    story = serializers.CharField(max_length=20000, help_text="HTML; sanitised (a few harmless tags remain).")
    unit = serializers.CharField(max_length=8, help_text="ACH or HRS (settings.BOCAGE_CAMPAIGN_UNITS).")
    goal = AmountInputField()
    stretch_goal = AmountInputField(required=False, allow_null=True)
    starts_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    funding_model = serializers.ChoiceField(choices=Campaign.Model.choices)
    commune = serializers.PrimaryKeyRelatedField(
        queryset=Commune.objects.all(), required=False, allow_null=True, help_text="Absent: the owner's commune."
    )
    share_class = serializers.PrimaryKeyRelatedField(
        queryset=ShareClass.objects.all(),
        required=False,
        allow_null=True,
        help_text="A share campaign raises this class of cooperative shares (unit EUR; register administrators).",
    )
    share_college = serializers.PrimaryKeyRelatedField(
        queryset=College.objects.all(),
        required=False,
        allow_null=True,
        help_text="With share_class: the college new shareholders ask to join.",
    )


class CampaignPatchSerializer(CampaignInputSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class CampaignApproveInputSerializer(serializers.Serializer):
    fee_rate = StrictDecimalInputField(
        max_digits=5,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text="0 to 0.2, e.g. 0.05 for 5 %; absent: the unit's default rate.",
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SendBackInputSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, help_text="What the owner should change.")


class CampaignCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RewardTierInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    minimum = AmountInputField(help_text="The least pledge for this reward, in the campaign's unit.")
    stock = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="null: unlimited.")
    estimated_delivery = serializers.DateField(required=False, allow_null=True, default=None)


class RewardTierPatchSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    minimum = AmountInputField(required=False)
    stock = serializers.IntegerField(required=False, allow_null=True)
    estimated_delivery = serializers.DateField(required=False, allow_null=True)


class PledgeInputSerializer(serializers.Serializer):
    amount = AmountInputField(help_text="In the campaign's unit.")
    tier = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None, help_text="A reward id."
    )
    anonymous = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Absent or true: your name is not shown (« Anonyme »); false: you agree to show it on the "
        "campaign page, and the owner sees your e-mail to deliver your reward.",
    )


class PledgePatchSerializer(serializers.Serializer):
    amount = AmountInputField(required=False)
    tier = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, help_text="A reward id; null: no reward."
    )
    anonymous = serializers.BooleanField(required=False)


class PledgeDeliveredInputSerializer(serializers.Serializer):
    delivered = serializers.BooleanField(help_text="false: not delivered after all.")


class MatchingPoolInputSerializer(serializers.Serializer):
    ratio = StrictDecimalInputField(max_digits=6, decimal_places=3, help_text="1: one for one; 0.5: half.")
    total_cap = AmountInputField()
    per_backer_cap = AmountInputField(required=False, allow_null=True)
    sponsor = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="A member id; moderators only. Absent: yourself."
    )
    show_name = serializers.BooleanField(
        required=False, default=False, help_text="Name the sponsor on the campaign's public page (default: no)."
    )


class CampaignUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=150)
    body = serializers.CharField(max_length=10000, help_text="HTML; sanitised.")


class CampaignImageInputSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A JPEG, PNG, GIF or WebP image; resized and re-encoded as JPEG.")
    alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
