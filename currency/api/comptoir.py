"""API of the exchange offices: record conversions (idempotent), list them, the day's cash report."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput, NotFound
from core.idempotency import caller_id, idempotency_key_from, ledger_key, run_idempotent
from core.pagination import DefaultPagination
from currency.models import Conversion
from currency.selectors.comptoirs import comptoir_cash_report, comptoir_get_for, conversions_on, conversions_visible_to
from currency.services.conversions import conversion_create
from ledger.api.ledger import IDEMPOTENCY_HEADER
from ledger.api.serializers import AmountInputField
from ledger.units import get_unit
from members.models import Member

EUR = "EUR"


@extend_schema_field({"type": "string", "format": "decimal", "example": "12.50"})
class CentsField(serializers.Field):
    """An integer of cents shown as a euro string ("12.50")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: int) -> str:
        return str(get_unit(EUR).to_decimal(value))


class ConversionSerializer(serializers.ModelSerializer):
    amount = CentsField()
    unit = serializers.SerializerMethodField()
    member_name = serializers.CharField(source="member.display_name", read_only=True)
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = Conversion
        fields = [
            "id",
            "comptoir",
            "member",
            "member_name",
            "amount",
            "unit",
            "payment_method",
            "transaction",
            "actor",
            "created_at",
        ]

    def get_unit(self, obj: Conversion) -> str:
        return EUR


class ConversionInputSerializer(serializers.Serializer):
    comptoir = serializers.IntegerField(min_value=1)
    member = serializers.IntegerField(min_value=1, required=False, help_text="The member's id, or give username.")
    username = serializers.CharField(max_length=150, required=False, help_text="The member's username.")
    amount = AmountInputField(help_text="Euros received, e.g. “12.50”.")
    payment_method = serializers.ChoiceField(choices=Conversion.PaymentMethod.choices)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("member") and not attrs.get("username"):
            raise serializers.ValidationError({"member": [_("Give the member's id or username.")]})
        return attrs


class CashLineSerializer(serializers.Serializer):
    payment_method = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, popped by the metaclass
    count = serializers.IntegerField()
    total = CentsField()


class CashReportSerializer(serializers.Serializer):
    comptoir = serializers.IntegerField(source="comptoir.pk")
    comptoir_name = serializers.CharField(source="comptoir.name")
    day = serializers.DateField()
    unit = serializers.SerializerMethodField()
    count = serializers.IntegerField()
    total = CentsField()
    methods = CashLineSerializer(source="lines", many=True)
    conversions = ConversionSerializer(many=True)

    def get_unit(self, obj: Any) -> str:
        return EUR


def _day(raw: str | None) -> datetime.date:
    if not raw:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(fields={"day": [_("Give a date as YYYY-MM-DD.")]}) from None


def _member(data: dict[str, Any]) -> Member:
    members = Member.objects.select_related("user")
    member = (
        members.filter(pk=data["member"]).first()
        if data.get("member")
        else members.filter(user__username=data["username"]).first()
    )
    if member is None:
        raise NotFound(_("No member with this id or username."))
    return member


def object_id(raw: str) -> int:
    """A URL id that is not a positive integer names nothing: 404."""
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise NotFound()
    return int(raw)


DAY = OpenApiParameter("day", OpenApiTypes.DATE, description="Local day, YYYY-MM-DD (default: today).")


class ConversionListCreateView(APIView):
    pagination_class = DefaultPagination  # so the schema shows the paginated envelope

    @extend_schema(
        parameters=[OpenApiParameter("comptoir", OpenApiTypes.INT), DAY],
        responses=ConversionSerializer(many=True),
        description="Conversions you may see: staff all, a comptoir's staff theirs, a member their own.",
    )
    def get(self, request: Request) -> Response:
        conversions = conversions_visible_to(request.user)
        comptoir = request.query_params.get("comptoir")
        if comptoir:
            if not comptoir.isdigit():
                raise InvalidInput(fields={"comptoir": [_("Give a comptoir id.")]})
            conversions = conversions.filter(comptoir_id=int(comptoir))
        if request.query_params.get("day"):
            conversions = conversions_on(conversions, _day(request.query_params.get("day")))
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(conversions, request, view=self)
        return paginator.get_paginated_response(ConversionSerializer(page, many=True).data)

    @extend_schema(
        request=ConversionInputSerializer,
        responses={201: ConversionSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        description="Record euros received at a comptoir: the member gets as many ACH (comptoir staff).",
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_from(request)
        serializer = ConversionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def handler() -> Response:
            comptoir = comptoir_get_for(user=request.user, comptoir_id=data["comptoir"])
            conversion = conversion_create(
                comptoir=comptoir,
                member=_member(data),
                amount=Money(Decimal(data["amount"]), EUR),
                payment_method=data["payment_method"],
                actor=request.user,
                idempotency_key=ledger_key(caller_id(request), key),
            )
            return Response(ConversionSerializer(conversion).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler)


class CashReportView(APIView):
    @extend_schema(parameters=[DAY], responses=CashReportSerializer)
    def get(self, request: Request, pk: str) -> Response:
        comptoir = comptoir_get_for(user=request.user, comptoir_id=object_id(pk))
        report = comptoir_cash_report(comptoir=comptoir, day=_day(request.query_params.get("day")))
        return Response(CashReportSerializer(report).data)


urlpatterns = [
    path("conversions/", ConversionListCreateView.as_view(), name="api-conversions"),
    path("comptoirs/<str:pk>/cash-report/", CashReportView.as_view(), name="api-comptoir-cash-report"),
]
