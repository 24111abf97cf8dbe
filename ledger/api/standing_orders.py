"""API of standing orders (a contract: paths and fields, issue 21).

POST /api/standing-orders/ needs an Idempotency-Key header: the same key and body again answer the
first answer and create nothing more; another body with that key is refused (422
idempotency_key_reused). The caller sees the orders they pay or receive (staff and auditors: all);
another order answers 404. Only the payer (or staff) cancels: the payee gets 403. A first period
due today is paid by the beat within a minute or two (ledger.tasks.standing_orders_run_due).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from djmoney.money import Money
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import valid
from core.idempotency import HEADER, caller_id, idempotency_key_from, ledger_key, run_idempotent
from ledger import selectors_standing_orders as selectors
from ledger import services
from ledger.api.serializers import AmountInputField, MinorAmountField
from ledger.models import StandingOrder, StandingOrderExecution

IDEMPOTENCY_HEADER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per order, e.g. a random UUID. Never put personal data in it.",
)
REFUSAL_CODES = (
    "same_account, unit_mismatch, invalid_amount, invalid_day, start_in_past, end_before_start, no_payment_due, "
    "account_frozen, account_closed, membership_expired, idempotency_key_reused"
)

StandingOrderErrorSerializer = inline_serializer(
    name="StandingOrderError",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(required=False),
    },
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(StandingOrderErrorSerializer, description=description)


class StandingOrderInputSerializer(serializers.Serializer):
    from_account = serializers.IntegerField(min_value=1, help_text="The paying account: one of yours.")
    to_account = serializers.IntegerField(min_value=1, help_text="The receiving account: a member's or a place's.")
    amount = AmountInputField(help_text='In the accounts\' unit, as a string: "40.00".')
    period = serializers.ChoiceField(choices=StandingOrder.Period.choices)
    day = serializers.IntegerField(
        min_value=1, max_value=31, help_text="Weekly: ISO weekday 1 (Monday) to 7; otherwise the day of the month."
    )
    start = serializers.DateField(help_text="The first day (today or later, Europe/Paris).")
    end = serializers.DateField(required=False, allow_null=True, default=None)
    count = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    memo = serializers.CharField(max_length=255, allow_blank=True, required=False, default="")


class ExecutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = StandingOrderExecution
        fields = ["period", "due_date", "status", "transaction", "reason", "attempts", "retry_at"]


class StandingOrderSerializer(serializers.ModelSerializer):
    amount = MinorAmountField()

    class Meta:
        model = StandingOrder
        fields = [
            "id",
            "from_account",
            "to_account",
            "amount",
            "unit",
            "period",
            "day",
            "start",
            "end",
            "count",
            "memo",
            "status",
            "next_due",
            "created_at",
            "cancelled_at",
        ]


class StandingOrderDetailSerializer(StandingOrderSerializer):
    executions = serializers.SerializerMethodField()

    class Meta(StandingOrderSerializer.Meta):
        fields = [*StandingOrderSerializer.Meta.fields, "executions"]

    @extend_schema_field(ExecutionSerializer(many=True))
    def get_executions(self, order: StandingOrder) -> list[dict[str, Any]]:
        return list(ExecutionSerializer(selectors.standing_order_executions(order), many=True).data)


class StandingOrderListView(APIView):
    @extend_schema(
        responses=StandingOrderSerializer(many=True), description="The orders you pay or receive, newest first."
    )
    def get(self, request: Request) -> Response:
        orders = selectors.standing_orders_visible_to(request.user)[:500]
        return Response(StandingOrderSerializer(orders, many=True).data)

    @extend_schema(
        request=StandingOrderInputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: StandingOrderSerializer,
            400: _error("Malformed input, or the Idempotency-Key header is missing."),
            404: _error("No such account among those you may pay from, or to."),
            422: _error(f"Refused by a rule: `code` is one of {REFUSAL_CODES}."),
        },
        description="Authorise a payment that repeats each period, from one of your accounts.",
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_from(request)
        data = valid(StandingOrderInputSerializer, request.data)

        def handler() -> Response:
            payer, payee = selectors.standing_order_parties(
                user=request.user, from_account_id=data["from_account"], to_account_id=data["to_account"]
            )
            order = services.standing_order_create(
                from_account=payer,
                to_account=payee,
                amount=Money(data["amount"], payer.unit),
                period=data["period"],
                day=data["day"],
                start=data["start"],
                end=data["end"],
                count=data["count"],
                memo=data["memo"],
                actor=request.user,
                idempotency_key=ledger_key(caller_id(request), key),
            )
            return Response(StandingOrderSerializer(order).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler, answer_in_same_commit=True)


class StandingOrderDetailView(APIView):
    @extend_schema(
        responses={200: StandingOrderDetailSerializer, 404: _error("Not an order you pay or receive.")},
        description="One order with its executed periods (paid, or missed with the reason).",
    )
    def get(self, request: Request, pk: int) -> Response:
        order = selectors.standing_order_get_visible(user=request.user, order_id=pk)
        return Response(StandingOrderDetailSerializer(order).data)


class StandingOrderCancelView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: StandingOrderSerializer,
            403: _error("Only the payer cancels (the payee may not)."),
            404: _error("Not an order you pay or receive."),
        },
        description="Cancel the order (the payer): no period is paid after this. Repeating it changes nothing.",
    )
    def post(self, request: Request, pk: int) -> Response:
        order = selectors.standing_order_get_visible(user=request.user, order_id=pk)
        order = services.standing_order_cancel(order=order, actor=request.user)
        return Response(StandingOrderSerializer(order).data)


urlpatterns = [
    path("", StandingOrderListView.as_view(), name="api-standing-orders"),
    path("<int:pk>/", StandingOrderDetailView.as_view(), name="api-standing-order"),
    path("<int:pk>/cancel/", StandingOrderCancelView.as_view(), name="api-standing-order-cancel"),
]
