from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledger.serializers import AccountSerializer

from .models import Commune, Member


class MemberCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        error_messages={"invalid": _("Letters, digits and @/./+/-/_ only.")},
    )
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    display_name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=Member.Kind.choices)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    commune = serializers.PrimaryKeyRelatedField(
        queryset=Commune.objects.all(), required=False, allow_null=True, default=None
    )
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    activity = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    in_directory = serializers.BooleanField(required=False, default=False)
    # Identity numbers: checked and normalised by the service (python-stdnum), errors per field.
    siren = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    siret = serializers.CharField(max_length=25, required=False, allow_blank=True, default="")
    vat_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    rna = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    iban = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    bic = serializers.CharField(max_length=15, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            password_validation.validate_password(attrs["password"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


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


class CommuneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commune
        fields = ["id", "name", "postal_code", "insee_code"]


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
        from ledger.units import get_unit

        return str(get_unit(payment.unit).to_decimal(payment.amount))
