"""Members' API shapes: the input of a new member, the communes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Commune, Member


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


class CommuneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commune
        fields = ["id", "name", "postal_code", "insee_code"]
