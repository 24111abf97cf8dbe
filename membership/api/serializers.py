"""The membership's API shapes: a member with its accounts, a renewal and the payment it made."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledger.api.serializers import AccountSerializer
from ledger.units import get_unit
from members.models import Member


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    accounts = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = [
            "id",
            "username",
            "display_name",
            "kind",
            "status",
            "commune",
            "address",
            "phone",
            "activity",
            "in_directory",
            "siren",
            "siret",
            "vat_number",
            "rna",
            "iban",
            "bic",
            "membership_expires_on",
            "created_at",
            "accounts",
        ]

    @extend_schema_field(AccountSerializer(many=True))
    def get_accounts(self, member: Member) -> Any:
        return AccountSerializer(member.accounts.order_by("id"), many=True).data


class MembershipRenewSerializer(serializers.Serializer):
    unit = serializers.ChoiceField(
        choices=[(settings.BOCAGE_LOCAL_UNIT, settings.BOCAGE_LOCAL_UNIT), ("EUR", "EUR")],
        default=settings.BOCAGE_LOCAL_UNIT,
    )


class MembershipPaymentSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    unit = serializers.CharField()
    amount = serializers.SerializerMethodField()
    transaction = serializers.IntegerField(source="transaction_id")

    @extend_schema_field({"type": "string", "format": "decimal"})
    def get_amount(self, payment: Any) -> str:
        return str(get_unit(payment.unit).to_decimal(payment.amount))


class LeaveSerializer(serializers.Serializer):
    """Leaving by the API: the token proves the user; `confirm` must say it is meant."""

    confirm = serializers.BooleanField()

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_('Send "confirm" set to true to close your account.'))
        return value


class LeaveResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["closed"])


class LeavingObstacleSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    account = serializers.IntegerField(required=False)
    unit = serializers.CharField(required=False)
    amount = serializers.CharField(required=False, help_text="Decimal string, in the unit.")
    amount_display = serializers.CharField(required=False)


class LeaveRefusalSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The first obstacle's code.")
    message = serializers.CharField()
    obstacles = LeavingObstacleSerializer(many=True)
