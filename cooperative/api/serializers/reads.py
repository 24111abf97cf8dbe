"""Read shapes of the register: cooperatives, movements, holdings, capital, voters, requests, tally."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cooperative.models import Cooperative, RedemptionRequest, ShareMovement, SubscriptionRequest

from . import CENT, EurosField, UnitField, euros


class ShareholderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class CollegeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ShareClassRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()


class ShareClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    nominal_value = EurosField()
    unit = UnitField()
    description = serializers.CharField()


class CollegeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    weight = serializers.IntegerField(help_text="Percent of the general assembly's votes.")
    description = serializers.CharField()
    position = serializers.IntegerField()


class CollegeCountSerializer(CollegeSerializer):
    admitted_members = serializers.IntegerField(source="admitted", help_text="Shareholders admitted in it.")


class CollegesSerializer(serializers.Serializer):
    colleges = CollegeCountSerializer(many=True)
    weight_problems = serializers.ListField(
        child=serializers.CharField(), help_text="Empty when a general assembly can be tallied."
    )


class CooperativeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    legal_form = serializers.CharField(help_text=", ".join(Cooperative.LegalForm.values))
    legal_form_label = serializers.CharField(source="get_legal_form_display")
    siren = serializers.CharField()
    seat_address = serializers.CharField()
    commune = serializers.IntegerField(source="commune_id", allow_null=True)
    commune_name = serializers.CharField(source="commune.name", allow_null=True, default=None)
    min_shares_per_member = serializers.IntegerField()
    max_shares_per_member = serializers.IntegerField(allow_null=True, help_text="null: no maximum.")
    lockup_months = serializers.IntegerField(help_text="Months a share is held before it may be redeemed.")
    redemption_delay_months = serializers.IntegerField(help_text="Months between approval and repayment.")
    board_approval_required = serializers.BooleanField()
    capital_floor = EurosField(help_text="The capital may never fall below it.")
    unit = UnitField()
    share_classes = ShareClassSerializer(many=True)
    colleges = CollegeSerializer(many=True)
    created_at = serializers.DateTimeField()


class RegisterMovementSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.CharField(help_text=", ".join(ShareMovement.Kind.values))
    effective_on = serializers.DateField()
    share_class = ShareClassRefSerializer()
    quantity = serializers.IntegerField()
    from_shareholder = ShareholderRefSerializer(allow_null=True)
    to_shareholder = ShareholderRefSerializer(allow_null=True)
    capital_delta = EurosField(help_text="Change of the capital: + subscription, − redemption, 0 transfer.")
    unit = UnitField()
    board_decision = serializers.CharField()
    ledger_transaction = serializers.IntegerField(source="ledger_transaction_id", allow_null=True)
    reverses = serializers.IntegerField(
        source="reverses.number", allow_null=True, default=None, help_text="Number of the cancelled movement."
    )
    cancelled_by = serializers.SerializerMethodField()
    note = serializers.CharField()
    recorded_at = serializers.DateTimeField()

    @extend_schema_field({"type": "integer", "nullable": True, "description": "Number of its cancellation."})
    def get_cancelled_by(self, obj: ShareMovement) -> int | None:
        return self.context.get("cancelled_by", {}).get(obj.pk)


class HoldingSerializer(serializers.Serializer):
    shareholder = ShareholderRefSerializer()
    college = CollegeRefSerializer(source="shareholder.college")
    share_class = ShareClassRefSerializer()
    shares = serializers.IntegerField()
    value = EurosField(help_text="At nominal value.")
    unit = UnitField()


class HoldingsSerializer(serializers.Serializer):
    on = serializers.DateField()
    total_shares = serializers.IntegerField()
    total_value = EurosField()
    unit = UnitField()
    holdings = HoldingSerializer(many=True)


class CapitalPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    capital = EurosField(help_text="At the end of that day.")


class CapitalSerializer(serializers.Serializer):
    on = serializers.DateField()
    capital = EurosField(help_text="At the end of the day `on`.")
    capital_floor = EurosField()
    unit = UnitField()
    history = CapitalPointSerializer(many=True, help_text="Every day with a movement, in order.")


class ShareholderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    member = serializers.IntegerField(source="member_id", allow_null=True, help_text="null: a legal person.")
    legal_name = serializers.CharField()
    siren = serializers.CharField()
    address = serializers.CharField()
    college = CollegeRefSerializer()
    status = serializers.CharField(help_text=", ".join(["admitted", "left"]))
    admitted_on = serializers.DateField()
    admission_decision = serializers.CharField()
    shares = serializers.SerializerMethodField()

    @extend_schema_field({"type": "integer", "description": "Shares held today, every class."})
    def get_shares(self, obj: Any) -> int:
        return int(self.context.get("shares", {}).get(obj.pk, 0))


class CollegeVotersSerializer(serializers.Serializer):
    college = CollegeSerializer()
    voters = ShareholderRefSerializer(many=True)
    count = serializers.IntegerField()


class VotersSerializer(serializers.Serializer):
    on = serializers.DateField()
    colleges = CollegeVotersSerializer(many=True)


class SubscriptionRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cooperative = serializers.IntegerField(source="cooperative_id")
    member = ShareholderRefSerializer(allow_null=True, help_text="The member who asks (id, name).")
    shareholder = serializers.IntegerField(source="shareholder_id", allow_null=True)
    college = CollegeRefSerializer()
    share_class = ShareClassRefSerializer()
    quantity = serializers.IntegerField()
    amount = EurosField(help_text="Quantity × nominal value: what is to be paid.")
    unit = UnitField()
    status = serializers.CharField(help_text=", ".join(SubscriptionRequest.Status.values))
    source = serializers.CharField(  # type: ignore[assignment]  # a field, popped by the metaclass
        help_text=", ".join(SubscriptionRequest.Source.values)
    )
    board_decision = serializers.CharField()
    rejection_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    movement = serializers.IntegerField(
        source="movement.number", allow_null=True, default=None, help_text="Register number once issued."
    )
    requested_at = serializers.DateTimeField()


class RedemptionRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cooperative = serializers.IntegerField(source="cooperative_id")
    shareholder = ShareholderRefSerializer()
    share_class = ShareClassRefSerializer()
    quantity = serializers.IntegerField()
    amount = serializers.SerializerMethodField()
    unit = UnitField()
    status = serializers.CharField(help_text=", ".join(RedemptionRequest.Status.values))
    board_decision = serializers.CharField()
    rejection_reason = serializers.CharField()
    due_on = serializers.DateField(allow_null=True, help_text="Set on approval: the repayment falls due then.")
    decided_at = serializers.DateTimeField(allow_null=True)
    movement = serializers.IntegerField(
        source="movement.number", allow_null=True, default=None, help_text="Register number once paid."
    )
    requested_at = serializers.DateTimeField()

    @extend_schema_field({"type": "string", "format": "decimal", "example": "200.00"})
    def get_amount(self, obj: RedemptionRequest) -> str | None:
        return euros(obj.quantity * obj.share_class.nominal_value)


class MyShareholderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    college = CollegeRefSerializer()
    status = serializers.CharField(help_text="admitted, left")
    admitted_on = serializers.DateField()


class MyHoldingSerializer(serializers.Serializer):
    share_class = ShareClassRefSerializer()
    shares = serializers.IntegerField()
    value = EurosField(help_text="At nominal value.")
    unit = UnitField()


class MySharesSerializer(serializers.Serializer):
    shareholder = MyShareholderSerializer(allow_null=True, help_text="null: not a shareholder (yet).")
    holdings = MyHoldingSerializer(many=True, help_text="One line per class held.")
    total_shares = serializers.IntegerField()
    total_value = EurosField()
    unit = UnitField()
    movements = RegisterMovementSerializer(many=True)
    subscription_requests = SubscriptionRequestSerializer(many=True)
    redemption_requests = RedemptionRequestSerializer(many=True)


class CollegeResultSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "college": serializers.IntegerField(source="college_id"),
            "name": serializers.CharField(),
            "weight": serializers.IntegerField(),
            "voters": serializers.IntegerField(),
            "for": serializers.IntegerField(source="votes_for"),
            "against": serializers.IntegerField(source="votes_against"),
            "abstain": serializers.IntegerField(source="abstentions"),
            "percent_for": serializers.SerializerMethodField(),
        }

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True, "example": "66.67"})
    def get_percent_for(self, obj: Any) -> str | None:
        share = obj.share_for
        return None if share is None else str((share * 100).quantize(CENT, rounding=ROUND_HALF_UP))


class TallySerializer(serializers.Serializer):
    majority = serializers.CharField(help_text="simple or two_thirds")
    on = serializers.DateField()
    colleges = CollegeResultSerializer(many=True)
    percent_for = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="Weighted by the colleges where votes were cast; null when nobody voted.",
    )
    adopted = serializers.BooleanField()
