"""API of exchanges: propose, read, move through the state machine, write messages and reviews.

Every transition is POST /api/exchanges/{id}/<action>/; repeating one that already happened
answers 200 with the unchanged exchange, a forbidden one 422 transition_not_allowed, and an
exchange the caller is no party to 404.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import path
from django.utils.translation import gettext as _
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import valid
from core.errors import InvalidInput, NotFound, PermissionDenied
from exchange.models import Exchange, ExchangeEvent, ExchangeMessage, Listing, Review
from exchange.selectors.exchanges import exchange_get_visible, exchanges_visible_to
from exchange.services import exchanges as services
from exchange.services import reviews, transitions
from ledger.api.serializers import AmountInputField, MinorAmountField
from ledger.units import get_unit
from members.selectors import member_or_none


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class ListingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()


class ExchangeEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ExchangeEvent
        fields = ["from_status", "to_status", "actor", "note", "created_at"]


class ExchangeSerializer(serializers.ModelSerializer):
    listing = ListingRefSerializer(read_only=True)
    buyer = PartySerializer(read_only=True)
    seller = PartySerializer(read_only=True)
    amount = MinorAmountField()
    # A plain string in the schema: "status" names an enum in several apps already.
    status = serializers.CharField(
        read_only=True,
        help_text="requested, accepted, delivered, completed, declined, cancelled, disputed or resolved",
    )
    hold_status = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Exchange
        fields = [
            "id",
            "listing",
            "buyer",
            "seller",
            "requested_by",
            "unit",
            "amount",
            "message",
            "status",
            "hold",
            "hold_status",
            "created_at",
            "accepted_at",
            "delivered_at",
            "auto_capture_at",
            "closed_at",
            "dispute_reason",
            "actions",
        ]

    @extend_schema_field({"type": "string", "nullable": True, "enum": ["pending", "captured", "voided", "expired"]})
    def get_hold_status(self, obj: Exchange) -> str | None:
        return obj.hold.status if obj.hold_id is not None and obj.hold is not None else None

    @extend_schema_field({"type": "array", "items": {"type": "string", "enum": transitions.ACTIONS}})
    def get_actions(self, obj: Exchange) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        # The caller's member, read once for a whole list (ExchangeListView), else for this exchange.
        return transitions.exchange_actions_for(obj, request.user, self.context.get("member", transitions.LOOK_UP))


class ExchangeDetailSerializer(ExchangeSerializer):
    events = ExchangeEventSerializer(many=True, read_only=True)

    class Meta(ExchangeSerializer.Meta):
        fields = [*ExchangeSerializer.Meta.fields, "events"]


class ProposeInputSerializer(serializers.Serializer):
    listing = serializers.IntegerField(min_value=1)
    amount = AmountInputField(
        required=False, help_text="In the listing's unit; required when its price is to be agreed."
    )
    unit = serializers.CharField(
        max_length=8, required=False, help_text="ACH, HRS or GRN; only for a listing whose price is to be agreed."
    )
    message = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class DisputeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ResolveInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=transitions.RESOLVE_OUTCOMES)
    amount = AmountInputField(required=False, help_text="The amount to capture, for outcome “partial”.")


class MessageSerializer(serializers.ModelSerializer):
    author = PartySerializer(read_only=True)

    class Meta:
        model = ExchangeMessage
        fields = ["id", "author", "body", "created_at"]
        extra_kwargs = {"body": {"max_length": 2000}}


class ReviewSerializer(serializers.ModelSerializer):
    author = PartySerializer(read_only=True)
    subject = PartySerializer(read_only=True)

    class Meta:
        model = Review
        fields = ["id", "exchange", "author", "subject", "rating", "comment", "created_at"]
        read_only_fields = ["exchange"]


class ReviewInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


def _out(request: Request, exchange: Exchange, code: int = status.HTTP_200_OK) -> Response:
    exchange = exchange_get_visible(request.user, exchange.pk)  # fresh, with its relations
    return Response(ExchangeDetailSerializer(exchange, context={"request": request}).data, status=code)


class ExchangeListView(APIView):
    @extend_schema(
        responses=ExchangeSerializer(many=True),
        description="Your exchanges (all of them for staff), newest first, with the actions open to you.",
    )
    def get(self, request: Request) -> Response:
        exchanges = list(exchanges_visible_to(request.user)[:200])
        context = {"request": request, "member": member_or_none(request.user)}
        return Response(ExchangeSerializer(exchanges, many=True, context=context).data)

    @extend_schema(
        request=ProposeInputSerializer,
        responses={201: ExchangeDetailSerializer},
        description="Propose an exchange on a listing: on an offer you are the buyer, on a want the seller. "
        "Without `amount`, the listing's price.",
    )
    def post(self, request: Request) -> Response:
        data = valid(ProposeInputSerializer, request.data)
        listing = Listing.objects.filter(pk=data["listing"]).exclude(status=Listing.Status.HIDDEN).first()
        if listing is None:
            raise NotFound(_("Listing not found."))
        proposer = member_or_none(request.user)
        if proposer is None:
            raise PermissionDenied(_("Only members propose exchanges."))
        amount = None
        if "amount" in data:
            unit = listing.unit or data.get("unit")
            if not unit:
                raise InvalidInput(fields={"unit": [_("Choose the unit of the amount.")]})
            amount = Money(data["amount"], get_unit(unit).code)  # an unknown unit: 422 unknown_unit
        created = services.exchange_propose(
            listing=listing, proposer=proposer, amount=amount, message=data["message"], actor=request.user
        )
        return _out(request, created, status.HTTP_201_CREATED)


class ExchangeDetailView(APIView):
    @extend_schema(responses=ExchangeDetailSerializer, description="An exchange and its timeline (parties and staff).")
    def get(self, request: Request, pk: int) -> Response:
        return _out(request, exchange_get_visible(request.user, pk))


def _transition_view(action: str, service: Callable[..., Exchange], description: str) -> type[APIView]:
    class TransitionView(APIView):
        @extend_schema(request=None, responses=ExchangeDetailSerializer, description=description)
        def post(self, request: Request, pk: int) -> Response:
            exchange = exchange_get_visible(request.user, pk)
            return _out(request, service(exchange=exchange, actor=request.user))

    TransitionView.__name__ = TransitionView.__qualname__ = f"Exchange{action.capitalize()}View"
    return TransitionView


ExchangeAcceptView = _transition_view(
    "accept",
    services.exchange_accept,
    "The party who did not request accepts: the buyer's amount is put on hold "
    "(422 insufficient_funds if the buyer's available balance is not enough).",
)
ExchangeDeclineView = _transition_view("decline", services.exchange_decline, "The party who did not request declines.")
ExchangeCancelView = _transition_view(
    "cancel", services.exchange_cancel, "Either party cancels before delivery; the hold, if any, is voided."
)
ExchangeDeliverView = _transition_view(
    "deliver",
    services.exchange_deliver,
    "The seller marks it delivered; without confirmation or dispute it is paid automatically after "
    "BOCAGE_EXCHANGE_AUTO_CAPTURE_DAYS days.",
)
ExchangeConfirmView = _transition_view(
    "confirm", services.exchange_confirm, "The buyer confirms delivery: the hold is captured, the payment posted."
)


class ExchangeDisputeView(APIView):
    @extend_schema(
        request=DisputeInputSerializer,
        responses=ExchangeDetailSerializer,
        description="Either party, while accepted or delivered: the exchange is frozen until a moderator resolves it.",
    )
    def post(self, request: Request, pk: int) -> Response:
        exchange = exchange_get_visible(request.user, pk)
        data = valid(DisputeInputSerializer, request.data)
        return _out(request, services.exchange_dispute(exchange=exchange, reason=data["reason"], actor=request.user))


class ExchangeResolveView(APIView):
    @extend_schema(
        request=ResolveInputSerializer,
        responses=ExchangeDetailSerializer,
        description="Staff: resolve a dispute by capturing the hold, capturing `amount` of it, or voiding it.",
    )
    def post(self, request: Request, pk: int) -> Response:
        exchange = exchange_get_visible(request.user, pk)
        data = valid(ResolveInputSerializer, request.data)
        amount = Money(data["amount"], exchange.unit) if "amount" in data else None
        resolved = services.exchange_resolve(
            exchange=exchange, outcome=data["outcome"], amount=amount, actor=request.user
        )
        return _out(request, resolved)


class ExchangeMessagesView(APIView):
    @extend_schema(responses=MessageSerializer(many=True), description="The messages between the two parties.")
    def get(self, request: Request, pk: int) -> Response:
        exchange = exchange_get_visible(request.user, pk)
        messages = exchange.messages.select_related("author")
        return Response(MessageSerializer(messages, many=True).data)

    @extend_schema(
        request=MessageSerializer, responses={201: MessageSerializer}, description="Write to the other party."
    )
    def post(self, request: Request, pk: int) -> Response:
        exchange = exchange_get_visible(request.user, pk)
        data = valid(MessageSerializer, request.data)
        message = reviews.exchange_message_post(exchange=exchange, body=data["body"], actor=request.user)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class ExchangeReviewsView(APIView):
    @extend_schema(
        request=ReviewInputSerializer,
        responses={201: ReviewSerializer},
        description="Once paid, each party may review the other once (rating 1 to 5).",
    )
    def post(self, request: Request, pk: int) -> Response:
        exchange = exchange_get_visible(request.user, pk)
        data = valid(ReviewInputSerializer, request.data)
        review = reviews.review_create(
            exchange=exchange, rating=data["rating"], comment=data["comment"], actor=request.user
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("exchanges/", ExchangeListView.as_view(), name="api-exchanges"),
    path("exchanges/<int:pk>/", ExchangeDetailView.as_view(), name="api-exchange"),
    path("exchanges/<int:pk>/accept/", ExchangeAcceptView.as_view(), name="api-exchange-accept"),
    path("exchanges/<int:pk>/decline/", ExchangeDeclineView.as_view(), name="api-exchange-decline"),
    path("exchanges/<int:pk>/cancel/", ExchangeCancelView.as_view(), name="api-exchange-cancel"),
    path("exchanges/<int:pk>/deliver/", ExchangeDeliverView.as_view(), name="api-exchange-deliver"),
    path("exchanges/<int:pk>/confirm/", ExchangeConfirmView.as_view(), name="api-exchange-confirm"),
    path("exchanges/<int:pk>/dispute/", ExchangeDisputeView.as_view(), name="api-exchange-dispute"),
    path("exchanges/<int:pk>/resolve/", ExchangeResolveView.as_view(), name="api-exchange-resolve"),
    path("exchanges/<int:pk>/messages/", ExchangeMessagesView.as_view(), name="api-exchange-messages"),
    path("exchanges/<int:pk>/reviews/", ExchangeReviewsView.as_view(), name="api-exchange-reviews"),
]
