from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledger.serializers import AccountSerializer

from .models import Member


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
        fields = ["id", "username", "display_name", "kind", "created_at", "accounts"]

    @extend_schema_field(AccountSerializer(many=True))
    def get_accounts(self, member: Member) -> Any:
        return AccountSerializer(member.accounts.order_by("id"), many=True).data
