"""Input shapes of the register's API: what each write and query accepts (400 for the rest)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cooperative.assembly import MAJORITIES
from cooperative.models import Cooperative
from core.api import MAX_ID
from ledger.api.serializers import AmountInputField, WholeNumberInputField

from . import MAX_MONTHS, MAX_SHARES


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _quantity_field() -> serializers.IntegerField:
    return WholeNumberInputField(min_value=1, max_value=MAX_SHARES, help_text="A whole number of shares.")


class VoteCountsSerializer(serializers.Serializer):
    """The votes of one college: one per voter, whatever their shares."""

    # "for" is a Python keyword: the fields are named here rather than declared.
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "for": WholeNumberInputField(min_value=0, max_value=MAX_SHARES, required=False, default=0),
            "against": WholeNumberInputField(min_value=0, max_value=MAX_SHARES, required=False, default=0),
            "abstain": WholeNumberInputField(min_value=0, max_value=MAX_SHARES, required=False, default=0),
        }


class CooperativeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    legal_form = serializers.ChoiceField(choices=Cooperative.LegalForm.choices)
    siren = serializers.CharField(max_length=20, help_text="9 digits (spaces allowed), with a valid check digit.")
    seat_address = serializers.CharField(max_length=255)
    commune = _id_field(required=False, allow_null=True, default=None, help_text="A commune id.")
    min_shares_per_member = serializers.IntegerField(min_value=1, max_value=MAX_SHARES, default=1)
    max_shares_per_member = serializers.IntegerField(
        min_value=1, max_value=MAX_SHARES, required=False, allow_null=True, default=None, help_text="null: none."
    )
    lockup_months = serializers.IntegerField(min_value=0, max_value=MAX_MONTHS, default=0)
    redemption_delay_months = serializers.IntegerField(min_value=0, max_value=MAX_MONTHS, default=0)
    board_approval_required = serializers.BooleanField(default=True)
    capital_floor = AmountInputField(required=False, help_text="In euros; absent: 0.")


class ShareClassInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=4, help_text="e.g. A, B, C; upper-cased.")
    name = serializers.CharField(max_length=100)
    nominal_value = AmountInputField(help_text='In euros, e.g. "100.00".')
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class CollegeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    weight = serializers.IntegerField(min_value=1, max_value=100, help_text="Percent.")
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class CollegesInputSerializer(serializers.Serializer):
    colleges = CollegeInputSerializer(
        many=True,
        help_text="Every college at once, matched by name; weights sum to 100 (SCIC: each 10 to 50).",
    )

    def validate_colleges(self, value: list[Any]) -> list[Any]:
        if not value or len(value) > 20:
            raise serializers.ValidationError(_("From 1 to 20 colleges."))
        return value


class ShareholderAdmitInputSerializer(serializers.Serializer):
    college = _id_field()
    member = _id_field(required=False, allow_null=True, default=None, help_text="A member id; or a legal person:")
    legal_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    siren = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    admitted_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Absent: today.")
    admission_decision = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ShareTransferInputSerializer(serializers.Serializer):
    from_shareholder = _id_field()
    to_shareholder = _id_field(help_text="An admitted shareholder (admit a newcomer first).")
    share_class = _id_field()
    quantity = _quantity_field()
    board_decision = serializers.CharField(max_length=100, help_text="The board's approval of the cession.")
    effective_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Absent: today.")


class SubscribeInputSerializer(serializers.Serializer):
    shareholder = _id_field()
    share_class = _id_field()
    quantity = _quantity_field()
    board_decision = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    paid_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Absent: today.")


class MovementCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)
    board_decision = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class SubscriptionRequestInputSerializer(serializers.Serializer):
    share_class = _id_field()
    quantity = _quantity_field()
    college = _id_field(required=False, allow_null=True, default=None, help_text="The college a newcomer asks to join.")
    member = _id_field(
        required=False, allow_null=True, default=None, help_text="Administrators: for this member. Absent: yourself."
    )


class RedemptionRequestInputSerializer(serializers.Serializer):
    share_class = _id_field()
    quantity = _quantity_field()
    shareholder = _id_field(
        required=False, allow_null=True, default=None, help_text="Administrators: for this shareholder."
    )


class BoardApprovalInputSerializer(serializers.Serializer):
    board_decision = serializers.CharField(max_length=100, help_text="Reference of the board's decision.")
    decided_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Absent: today.")


class BoardRejectionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class SharePaymentInputSerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Absent: today.")


class OnQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, default=None)


class TallyInputSerializer(serializers.Serializer):
    majority = serializers.ChoiceField(choices=sorted(MAJORITIES), default="simple")
    votes = serializers.DictField(
        child=VoteCountsSerializer(), help_text='{"<college id>": {"for": n, "against": n, "abstain": n}}'
    )
    on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Voters on; absent: today.")

    def validate_votes(self, value: dict[str, Any]) -> dict[int, dict[str, int]]:
        votes = {}
        for key, counts in value.items():
            if not key.isdigit() or not 0 < int(key) <= MAX_ID:
                raise serializers.ValidationError(_("The keys are college ids."))
            votes[int(key)] = dict(counts)
        return votes
