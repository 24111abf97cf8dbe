"""REST API of the ledger. Views parse, find through a selector, call one service, render."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from djmoney.money import Money
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import checked_id, valid
from core.errors import InvalidInput, NotFound
from core.idempotency import HEADER, caller_id, idempotency_key_from, ledger_key, run_idempotent

from .. import selectors, services
from ..models import Hold, Transaction
from ..units import all_units
from .serializers import (
    AccountSerializer,
    CaptureInputSerializer,
    EntrySerializer,
    HoldInputSerializer,
    HoldSerializer,
    ReverseInputSerializer,
    TransactionSerializer,
    TransferInputSerializer,
    UnitSerializer,
)

# The key is stored with the posting and sealed with it for good (docs/SEALS.md): no personal data in it.
KEY_NO_PERSONAL_DATA = (
    "Never put personal data in it (no name, e-mail or phone number): it is kept with the posting, "
    "in the sealed ledger, for good."
)
IDEMPOTENCY_HEADER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=f"A unique key per operation, e.g. a random UUID. {KEY_NO_PERSONAL_DATA}",
)
OPTIONAL_IDEMPOTENCY_HEADER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=f"Optional: a unique key per operation, e.g. a random UUID. {KEY_NO_PERSONAL_DATA}",
)


def _object_id(raw: Any) -> int:
    """A URL id that is not a positive integer names nothing: 404."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise NotFound() from None
    return checked_id(value)


class UnitListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=UnitSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(UnitSerializer(list(all_units().values()), many=True).data)


class StatementPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> Any:
        """DRF checks a cursor's offset but not its position, which must be an entry id: else 404, not 500."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                int(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
        return cursor


class AccountViewSet(viewsets.GenericViewSet):
    serializer_class = AccountSerializer

    def get_queryset(self):
        return selectors.accounts_visible_to(self.request.user)

    @extend_schema(parameters=[OpenApiParameter("unit", OpenApiTypes.STR, description="e.g. HRS")])
    def list(self, request: Request) -> Response:
        accounts = self.get_queryset()
        unit = request.query_params.get("unit")
        if unit:
            if unit not in all_units():
                raise InvalidInput(fields={"unit": [_("Unknown unit.")]})
            accounts = accounts.filter(unit=unit)
        page = self.paginate_queryset(accounts)
        return self.get_paginated_response(AccountSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        account = selectors.account_get_visible(user=request.user, account_id=_object_id(pk))
        return Response(AccountSerializer(account).data)

    @extend_schema(responses=EntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=StatementPagination)
    def entries(self, request: Request, pk: str) -> Response:
        account = selectors.account_get_visible(user=request.user, account_id=_object_id(pk))
        page = self.paginate_queryset(selectors.account_entries(account=account))
        return self.get_paginated_response(EntrySerializer(page, many=True).data)


class TransferView(APIView):
    @extend_schema(
        request=TransferInputSerializer,
        responses={201: TransactionSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        description="Pay from one of your accounts to a member account of the same unit.",
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_from(request)
        data = valid(TransferInputSerializer, request.data)

        def handler() -> Response:
            payer, payee = selectors.transfer_parties(
                user=request.user, from_account_id=data["from_account"], to_account_id=data["to_account"]
            )
            txn = services.transfer_create(
                from_account=payer,
                to_account=payee,
                amount=Money(data["amount"], payer.unit),
                memo=data["memo"],
                actor=request.user,
                idempotency_key=ledger_key(caller_id(request), key),
                key_claimed=True,  # run_idempotent claimed it in the same transaction
            )
            return Response(TransactionSerializer(txn).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler, answer_in_same_commit=True)


class TransactionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TransactionSerializer

    def get_queryset(self):
        return selectors.transactions_visible_to(self.request.user)

    def get_object(self) -> Transaction:
        txn = self.get_queryset().filter(pk=_object_id(self.kwargs["pk"])).first()
        if txn is None:
            raise NotFound()
        return txn

    @extend_schema(request=ReverseInputSerializer, responses={201: TransactionSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAdminUser])
    def reverse(self, request: Request, pk: str) -> Response:
        original = self.get_object()
        data = valid(ReverseInputSerializer, request.data)
        reversal = services.transaction_reverse(transaction_to_reverse=original, actor=request.user, memo=data["memo"])
        return Response(TransactionSerializer(reversal).data, status=status.HTTP_201_CREATED)


class HoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = HoldSerializer

    def get_queryset(self):
        return selectors.holds_visible_to(self.request.user).order_by("-id")

    def get_object(self) -> Hold:
        hold = self.get_queryset().filter(pk=_object_id(self.kwargs["pk"])).first()
        if hold is None:
            raise NotFound()
        return hold

    @extend_schema(
        request=HoldInputSerializer, responses={201: HoldSerializer}, parameters=[OPTIONAL_IDEMPOTENCY_HEADER]
    )
    def create(self, request: Request) -> Response:
        key = request.headers.get(HEADER, "").strip() and idempotency_key_from(request)
        data = valid(HoldInputSerializer, request.data)

        def handler() -> Response:
            payer, payee = selectors.transfer_parties(
                user=request.user, from_account_id=data["from_account"], to_account_id=data["to_account"]
            )
            hold = services.hold_create(
                from_account=payer,
                to_account=payee,
                amount=Money(data["amount"], payer.unit),
                memo=data["memo"],
                actor=request.user,
                expires_at=data["expires_at"],
                idempotency_key=ledger_key(caller_id(request), key) if key else None,
            )
            return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler, answer_in_same_commit=True) if key else handler()

    @extend_schema(request=CaptureInputSerializer, responses=HoldSerializer)
    @action(detail=True, methods=["post"])
    def capture(self, request: Request, pk: str) -> Response:
        hold = self.get_object()
        data = valid(CaptureInputSerializer, request.data)
        amount = data.get("amount")
        captured = services.hold_capture(
            hold=hold, actor=request.user, amount=Money(amount, hold.unit) if amount is not None else None
        )
        return Response(HoldSerializer(captured).data)

    @extend_schema(request=None, responses=HoldSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str) -> Response:
        hold = self.get_object()
        return Response(HoldSerializer(services.hold_void(hold=hold, actor=request.user)).data)
