"""API of payment requests: ask to be paid, look a request up by its token, pay it, cancel it."""

from __future__ import annotations

from django.urls import path, reverse
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import valid
from currency.models import PaymentRequest
from currency.selectors.payments import payment_request_by_token, payment_requests_of
from currency.services.payments import payment_request_cancel, payment_request_create, payment_request_pay
from ledger import selectors as ledger_selectors
from ledger.api.serializers import AmountInputField
from ledger.units import get_unit

DECIMAL_STRING = {"type": "string", "format": "decimal", "example": "12.50"}


class PaymentRequestSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="payee_account.unit", read_only=True)
    payee = serializers.CharField(source="payee_account.label", read_only=True)
    amount = serializers.SerializerMethodField()
    pay_url = serializers.SerializerMethodField()

    class Meta:
        model = PaymentRequest
        fields = [
            "token",
            "payee_account",
            "payee",
            "unit",
            "amount",
            "memo",
            "status",
            "created_at",
            "expires_at",
            "paid_by",
            "transaction",
            "pay_url",
        ]

    @extend_schema_field(DECIMAL_STRING)
    def get_amount(self, obj: PaymentRequest) -> str:
        return str(get_unit(obj.payee_account.unit).to_decimal(obj.amount))

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_pay_url(self, obj: PaymentRequest) -> str:
        url = reverse("payment-request-pay", kwargs={"token": obj.token})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class PaymentRequestInputSerializer(serializers.Serializer):
    account = serializers.IntegerField(min_value=1, help_text="Your member account to be paid into (ACH, HRS, GRN).")
    amount = AmountInputField()
    memo = serializers.CharField(max_length=255, allow_blank=True, required=False, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class PayInputSerializer(serializers.Serializer):
    from_account = serializers.IntegerField(min_value=1)


def _out(request: Request, payment_request: PaymentRequest, code: int = status.HTTP_200_OK) -> Response:
    return Response(PaymentRequestSerializer(payment_request, context={"request": request}).data, status=code)


class PaymentRequestListView(APIView):
    @extend_schema(responses=PaymentRequestSerializer(many=True), description="Your payment requests, newest first.")
    def get(self, request: Request) -> Response:
        requests = list(payment_requests_of(request.user)[:200])
        return Response(PaymentRequestSerializer(requests, many=True, context={"request": request}).data)

    @extend_schema(
        request=PaymentRequestInputSerializer,
        responses={201: PaymentRequestSerializer},
        description="Ask to be paid into one of your member accounts; share `pay_url` (e.g. as a QR code).",
    )
    def post(self, request: Request) -> Response:
        data = valid(PaymentRequestInputSerializer, request.data)
        payee = ledger_selectors.account_get_payable_by(user=request.user, account_id=data["account"])
        created = payment_request_create(
            payee_account=payee,
            amount=Money(data["amount"], payee.unit),
            memo=data["memo"],
            actor=request.user,
            expires_at=data["expires_at"],
        )
        return _out(request, created, status.HTTP_201_CREATED)


class PaymentRequestDetailView(APIView):
    @extend_schema(responses=PaymentRequestSerializer, description="A request, for whoever holds its token.")
    def get(self, request: Request, token: str) -> Response:
        return _out(request, payment_request_by_token(token=token))


class PaymentRequestPayView(APIView):
    @extend_schema(
        request=PayInputSerializer,
        responses=PaymentRequestSerializer,
        description="Pay the request from one of your accounts. A request is paid once: "
        "again → 422 payment_request_paid.",
    )
    def post(self, request: Request, token: str) -> Response:
        payment_request = payment_request_by_token(token=token)
        data = valid(PayInputSerializer, request.data)
        payer = ledger_selectors.account_get_payable_by(user=request.user, account_id=data["from_account"])
        return _out(request, payment_request_pay(request=payment_request, payer_account=payer, actor=request.user))


class PaymentRequestCancelView(APIView):
    @extend_schema(request=None, responses=PaymentRequestSerializer, description="The payee withdraws a request.")
    def post(self, request: Request, token: str) -> Response:
        payment_request = payment_request_by_token(token=token)
        return _out(request, payment_request_cancel(request=payment_request, actor=request.user))


urlpatterns = [
    path("payment-requests/", PaymentRequestListView.as_view(), name="api-payment-requests"),
    path("payment-requests/<str:token>/", PaymentRequestDetailView.as_view(), name="api-payment-request"),
    path("payment-requests/<str:token>/pay/", PaymentRequestPayView.as_view(), name="api-payment-request-pay"),
    path("payment-requests/<str:token>/cancel/", PaymentRequestCancelView.as_view(), name="api-payment-request-cancel"),
]
