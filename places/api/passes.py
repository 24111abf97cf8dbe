"""API of plans and carnets (a contract: paths and fields).

GET /api/plans/ and /api/pass-offers/ (public: what is on sale, `?place=<id>`); POST
/api/plans/{id}/subscribe/ and POST /api/passes/ {"offer": id} need an Idempotency-Key header (the
same key and body again answer the first answer and pay nothing more). GET /api/passes/: the
caller's carnets and plans with what is left (read from the ledger). POST
/api/subscriptions/{id}/cancel/: no further period; the plan lasts until its paid days end.
Amounts travel as `{"amount": "12.50", "unit": "ACH"}`; credits the same way ("1.00" CRJ = a day).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import checked_id, valid
from core.errors import InvalidInput, PermissionDenied
from core.idempotency import caller_id, idempotency_key_from, ledger_key, run_idempotent
from ledger.api.serializers import as_decimal_text
from members.selectors import member_or_none
from places.api.bookings import IDEMPOTENCY_HEADER, refusal
from places.errors import PassOfferNotFound, PlanNotFound, SubscriptionNotFound
from places.models import Pass, PassOffer, Plan, PlanAllowance, Subscription
from places.selectors.passes import (
    member_passes,
    pass_offers_on_sale,
    plans_on_sale,
    subscription_visible_to,
)
from places.services.carnets import carnet_buy
from places.services.plans import plan_subscribe, subscription_cancel

AMOUNT = {"type": "object", "properties": {"amount": {"type": "string"}, "unit": {"type": "string"}}}


def amount(minor: int, unit: str) -> dict[str, str]:
    return {"amount": as_decimal_text(minor, unit), "unit": unit}


def allowance_out(allowance: PlanAllowance) -> dict[str, Any]:
    return {
        "id": allowance.pk,
        "resource": allowance.resource_id,
        "resource_kind": allowance.resource_kind or None,
        "per_period": amount(allowance.amount, allowance.unit),
        "overage_price": None
        if allowance.overage_price is None
        else amount(allowance.overage_price, allowance.plan.unit),
    }


def plan_out(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "place": plan.place_id,
        "name": plan.name,
        "description": plan.description,
        "price": amount(plan.price, plan.unit),
        "period": plan.period,
        "rollover": plan.rollover,
        "allowances": [allowance_out(allowance) for allowance in plan.allowances.all()],
    }


def offer_out(offer: PassOffer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "place": offer.place_id,
        "name": offer.name,
        "description": offer.description,
        "resource_kind": offer.resource_kind or None,
        "credits": amount(offer.quantity, offer.unit),
        "price": amount(offer.price, offer.price_unit),
        "validity_days": offer.validity_days,
    }


def carnet_out(carnet: Pass, left: int, valid_now: bool) -> dict[str, Any]:
    return {
        "id": carnet.pk,
        "offer": carnet.offer_id,
        "name": carnet.offer.name,
        "place": carnet.place_id,
        "resource_kind": carnet.resource_kind or None,
        "bought": amount(carnet.quantity, carnet.unit),
        "left": amount(left, carnet.unit),
        "price": amount(carnet.price, carnet.price_unit),
        "valid_until": carnet.valid_until.isoformat(),
        "valid": valid_now,
        "bought_at": carnet.created_at.isoformat(),
    }


def subscription_out(subscription: Subscription, active: bool, allowances: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "plan": subscription.plan_id,
        "name": subscription.plan.name,
        "status": subscription.status,
        "active": active,
        "price": amount(subscription.price, subscription.unit),
        "period": subscription.plan.period,
        "start": subscription.start.isoformat(),
        "end": subscription.end.isoformat() if subscription.end else None,
        "paid_until": subscription.paid_until.isoformat() if subscription.paid_until else None,
        "standing_order": subscription.standing_order_id,
        "allowances": allowances,
    }


def _subscription_answer(subscription: Subscription) -> dict[str, Any]:
    mine = member_passes(subscription.member)
    for row in mine.subscriptions:
        if row.subscription.pk == subscription.pk:
            return subscription_out(row.subscription, row.active, _allowances_left(row))
    raise SubscriptionNotFound()


def _allowances_left(row: Any) -> list[dict[str, Any]]:
    return [
        {
            **allowance_out(item.allowance),
            "left": amount(item.left, item.allowance.unit),
            "granted": amount(item.granted, item.allowance.unit),
        }
        for item in row.allowances
    ]


def _place_param(request: Request) -> int | None:
    place = request.query_params.get("place")
    if place is None:
        return None
    if not place.isdigit() or not 0 < int(place) < 2**63:
        raise InvalidInput(fields={"place": [_("A place id.")]})
    return int(place)


PLACE_PARAM = OpenApiParameter("place", OpenApiTypes.INT, required=False, description="Only this place's.")
ANY_LIST: serializers.ListSerializer = serializers.ListSerializer(child=serializers.DictField())
ANY_OBJECT = OpenApiTypes.OBJECT


class PlanListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[PLACE_PARAM],
        responses=ANY_LIST,
        description="The plans on sale (a place's, or the network's with `place` null): the price per period "
        "and the allowances each paid period grants (credits per period, on a resource or a kind of resource).",
    )
    def get(self, request: Request) -> Response:
        return Response([plan_out(plan) for plan in plans_on_sale(place_id=_place_param(request))])


class PassOfferListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[PLACE_PARAM],
        responses=ANY_LIST,
        description="The carnets on sale: credits, price and days of validity from the purchase.",
    )
    def get(self, request: Request) -> Response:
        return Response([offer_out(offer) for offer in pass_offers_on_sale(place_id=_place_param(request))])


def _member(request: Request) -> Any:
    member = member_or_none(request.user)
    if member is None:
        raise PermissionDenied(_("Only members hold plans and carnets."))
    return member


class PlanSubscribeView(APIView):
    @extend_schema(
        request=None,
        responses={201: ANY_OBJECT, 422: refusal("not_on_sale, already_subscribed, insufficient_funds, ...")},
        parameters=[IDEMPOTENCY_HEADER],
        description="Subscribe to a plan: a standing order at today's price is made and its first period paid "
        "now (its allowances granted). Refused (422) and nothing written when that first payment fails.",
    )
    def post(self, request: Request, pk: int) -> Response:
        key = idempotency_key_from(request)
        plan = Plan.objects.filter(pk=checked_id(pk)).first()
        if plan is None:
            raise PlanNotFound()
        member = _member(request)

        def handler() -> Response:
            subscription = plan_subscribe(
                plan=plan, member=member, actor=request.user, idempotency_key=ledger_key(caller_id(request), key)
            )
            return Response(_subscription_answer(subscription), status=status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler)


class PassBuyInputSerializer(serializers.Serializer):
    offer = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class PassListView(APIView):
    @extend_schema(
        responses=inline_serializer(
            name="MyPasses", fields={"carnets": serializers.ListField(), "subscriptions": serializers.ListField()}
        ),
        description="Your carnets (credits `left`, bought, valid until) and plans (per allowance: `left` in the "
        "current period and `granted` per period), read from the ledger.",
    )
    def get(self, request: Request) -> Response:
        member = member_or_none(request.user)
        if member is None:
            return Response({"carnets": [], "subscriptions": []})
        mine = member_passes(member)
        return Response(
            {
                "carnets": [carnet_out(row.carnet, row.left, row.valid) for row in mine.carnets],
                "subscriptions": [
                    subscription_out(row.subscription, row.active, _allowances_left(row)) for row in mine.subscriptions
                ],
            }
        )

    @extend_schema(
        request=PassBuyInputSerializer,
        responses={201: ANY_OBJECT, 422: refusal("not_on_sale, insufficient_funds, ...")},
        parameters=[IDEMPOTENCY_HEADER],
        description="Buy a carnet of an offer: its price paid and its credits issued in one posting.",
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_from(request)
        data = valid(PassBuyInputSerializer, request.data)
        offer = PassOffer.objects.filter(pk=data["offer"]).first()
        if offer is None:
            raise PassOfferNotFound()
        member = _member(request)

        def handler() -> Response:
            carnet = carnet_buy(
                offer=offer, member=member, actor=request.user, idempotency_key=ledger_key(caller_id(request), key)
            )
            row = next(row for row in member_passes(member).carnets if row.carnet.pk == carnet.pk)
            return Response(carnet_out(row.carnet, row.left, row.valid), status=status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler)


class SubscriptionCancelView(APIView):
    @extend_schema(
        request=None,
        responses={200: ANY_OBJECT, 422: refusal("subscription_ended")},
        description="Cancel your plan: no further period is paid; its allowances stay usable until `paid_until`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        subscription = subscription_visible_to(request.user, checked_id(pk))
        cancelled = subscription_cancel(subscription=subscription, actor=request.user)
        return Response(_subscription_answer(cancelled))


urlpatterns = [
    path("plans/", PlanListView.as_view(), name="api-plans"),
    path("plans/<int:pk>/subscribe/", PlanSubscribeView.as_view(), name="api-plan-subscribe"),
    path("pass-offers/", PassOfferListView.as_view(), name="api-pass-offers"),
    path("passes/", PassListView.as_view(), name="api-passes"),
    path("subscriptions/<int:pk>/cancel/", SubscriptionCancelView.as_view(), name="api-subscription-cancel"),
]
