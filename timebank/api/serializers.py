"""Serializers of the time bank's API: a service record as read, and the bodies it accepts."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledger.api.serializers import AmountInputField
from ledger.units import get_unit
from timebank.models import ServiceRecord


class ServiceRecordSerializer(serializers.ModelSerializer):
    hours = serializers.SerializerMethodField()
    provider_name = serializers.CharField(source="provider.display_name", read_only=True)
    receiver_name = serializers.CharField(source="receiver.display_name", read_only=True)

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "provider",
            "provider_name",
            "receiver",
            "receiver_name",
            "unit",
            "hours",
            "description",
            "performed_on",
            "status",
            "created_at",
            "decided_at",
            "transaction",
        ]

    @extend_schema_field({"type": "string", "format": "decimal", "example": "1.50"})
    def get_hours(self, obj: ServiceRecord) -> str:
        return str(get_unit(obj.unit).to_decimal(obj.amount))


class ServiceRecordInputSerializer(serializers.Serializer):
    receiver = serializers.IntegerField(min_value=1, help_text="The member who received the service.")
    hours = AmountInputField(help_text="Decimal hours: 1.5 is 1 h 30.")
    description = serializers.CharField(max_length=255)
    performed_on = serializers.DateField(required=False, allow_null=True, default=None)


class VolunteeringRewardInputSerializer(serializers.Serializer):
    association_account = serializers.IntegerField(min_value=1)
    member_account = serializers.IntegerField(min_value=1)
    hours = AmountInputField()
    description = serializers.CharField(max_length=200)


class VolunteeringRewardLineSerializer(serializers.Serializer):
    member_account = serializers.IntegerField(min_value=1, help_text="The volunteer's time account.")
    hours = AmountInputField(help_text="Decimal hours: 1.5 is 1 h 30.")
    description = serializers.CharField(max_length=200)


class VolunteeringRewardsBatchInputSerializer(serializers.Serializer):
    association_account = serializers.IntegerField(min_value=1)
    rewards = serializers.ListField(
        child=VolunteeringRewardLineSerializer(),
        allow_empty=False,
        max_length=200,
        help_text="One line per volunteer: all are rewarded, or none.",
    )
