"""API of members' requests (subscriptions, redemptions) and of "my shares".

A member sees and makes their own requests; administrators and auditors see every request of the
cooperative. A request the caller may not see answers 404, whether it exists or not; one they see
but may not decide answers 403 (an auditor, or a member approving their own). Deciding a request
already decided answers 422 request_not_pending.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cooperative import selectors
from cooperative.api.serializers.inputs import (
    BoardApprovalInputSerializer,
    BoardRejectionInputSerializer,
    RedemptionRequestInputSerializer,
    SharePaymentInputSerializer,
    SubscriptionRequestInputSerializer,
)
from cooperative.api.serializers.reads import (
    MySharesSerializer,
    RedemptionRequestSerializer,
    SubscriptionRequestSerializer,
)
from cooperative.models import Cooperative, RedemptionRequest, ShareMovement, SubscriptionRequest
from cooperative.services import requests as services
from cooperative.services.register import require_administrator
from core.api import valid
from core.errors import InvalidInput, PermissionDenied
from core.typing import RequestUser
from members.models import Member

from .common import (
    cancellations,
    college_of,
    cooperative_for,
    share_class_of,
    shareholder_in,
)

VISIBILITY = "Your own requests; every request for administrators and auditors."


def _status_parameter(statuses: list[str]) -> OpenApiParameter:
    return OpenApiParameter(
        "status", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=statuses, description="Only these."
    )


def _filtered(request: Request, requests: QuerySet[Any], statuses: list[str]) -> QuerySet[Any]:
    wanted = request.query_params.get("status")
    if wanted is None:
        return requests
    if wanted not in statuses:
        raise InvalidInput(fields={"status": [_("One of: %(statuses)s.") % {"statuses": ", ".join(statuses)}]})
    return requests.filter(status=wanted)


def subscription_out(user: RequestUser, cooperative: Cooperative, pk: int, code: int = 200) -> Response:
    return Response(
        SubscriptionRequestSerializer(selectors.subscription_request_get_visible(user, cooperative, pk)).data,
        status=code,
    )


def redemption_out(user: RequestUser, cooperative: Cooperative, pk: int, code: int = 200) -> Response:
    return Response(
        RedemptionRequestSerializer(selectors.redemption_request_get_visible(user, cooperative, pk)).data, status=code
    )


# --- subscriptions --------------------------------------------------------------------------


class SubscriptionRequestsView(generics.ListAPIView):
    serializer_class = SubscriptionRequestSerializer

    def get_queryset(self) -> QuerySet[SubscriptionRequest]:
        cooperative = cooperative_for(self.request.user, self.kwargs["pk"])
        requests = selectors.subscription_requests_visible(self.request.user, cooperative)
        return _filtered(self.request, requests, SubscriptionRequest.Status.values)

    @extend_schema(
        parameters=[_status_parameter(SubscriptionRequest.Status.values)],
        description="Subscription requests, oldest first (`?status=requested`: the board's queue). " + VISIBILITY,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=SubscriptionRequestInputSerializer,
        responses={201: SubscriptionRequestSerializer},
        description="Ask for shares: a newcomer names the college they ask to join, a shareholder stays in "
        "theirs. Approved at once when the statutes need no board approval. 422 above_maximum_holding, "
        "below_minimum_holding. Administrators may ask for a member (`member`).",
    )
    def post(self, request: Request, pk: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        data = valid(SubscriptionRequestInputSerializer, request.data)
        member = None
        source = SubscriptionRequest.Source.MEMBER
        if data["member"] is not None:
            member = Member.objects.filter(pk=data["member"]).first()
            if member is None:
                raise InvalidInput(fields={"member": [_("No such member.")]})
            if selectors.can_administer(request.user) and member.user_id != request.user.pk:
                source = SubscriptionRequest.Source.ADMINISTRATOR
        created = services.subscription_request_create(
            cooperative=cooperative,
            share_class=share_class_of(cooperative, data["share_class"]),
            quantity=data["quantity"],
            college=None if data["college"] is None else college_of(cooperative, data["college"]),
            member=member,
            source=source,
            actor=request.user,
        )
        return subscription_out(request.user, cooperative, created.pk, status.HTTP_201_CREATED)


class SubscriptionRequestDetailView(APIView):
    @extend_schema(responses=SubscriptionRequestSerializer, description="A subscription request. " + VISIBILITY)
    def get(self, request: Request, pk: int, rid: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        return subscription_out(request.user, cooperative, rid)


class SubscriptionApproveView(APIView):
    @extend_schema(
        request=BoardApprovalInputSerializer,
        responses=SubscriptionRequestSerializer,
        description="The board approves (a newcomer is admitted into the college they asked for); the "
        "payment is recorded next. Administrators.",
    )
    def post(self, request: Request, pk: int, rid: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        found = selectors.subscription_request_get_visible(request.user, cooperative, rid)
        require_administrator(request.user)
        data = valid(BoardApprovalInputSerializer, request.data)
        services.subscription_request_approve(
            request=found, board_decision=data["board_decision"], on=data["decided_on"], actor=request.user
        )
        return subscription_out(request.user, cooperative, found.pk)


class SubscriptionRejectView(APIView):
    @extend_schema(
        request=BoardRejectionInputSerializer,
        responses=SubscriptionRequestSerializer,
        description="The board refuses a request not yet paid. Administrators.",
    )
    def post(self, request: Request, pk: int, rid: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        found = selectors.subscription_request_get_visible(request.user, cooperative, rid)
        require_administrator(request.user)
        data = valid(BoardRejectionInputSerializer, request.data)
        services.subscription_request_reject(request=found, reason=data["reason"], actor=request.user)
        return subscription_out(request.user, cooperative, found.pk)


class SubscriptionPayView(APIView):
    @extend_schema(
        request=SharePaymentInputSerializer,
        responses=SubscriptionRequestSerializer,
        description="Record the payment of an approved request: the euros go to the capital account, the "
        "shares are issued (a numbered movement). Repeating it changes nothing. 422 request_not_pending "
        "(not approved), above_maximum_holding, date_out_of_order. Administrators.",
    )
    def post(self, request: Request, pk: int, rid: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        found = selectors.subscription_request_get_visible(request.user, cooperative, rid)
        require_administrator(request.user)
        data = valid(SharePaymentInputSerializer, request.data)
        services.subscription_request_pay(request=found, paid_on=data["paid_on"], actor=request.user)
        return subscription_out(request.user, cooperative, found.pk)


class SubscriptionCancelView(APIView):
    @extend_schema(
        request=None,
        responses=SubscriptionRequestSerializer,
        description="The member who asked withdraws a request not yet paid.",
    )
    def post(self, request: Request, pk: int, rid: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        found = selectors.subscription_request_get_visible(request.user, cooperative, rid)
        services.subscription_request_cancel(request=found, actor=request.user)
        return subscription_out(request.user, cooperative, found.pk)


# --- redemptions ----------------------------------------------------------------------------


class RedemptionRequestsView(generics.ListAPIView):
    serializer_class = RedemptionRequestSerializer

    def get_queryset(self) -> QuerySet[RedemptionRequest]:
        cooperative = cooperative_for(self.request.user, self.kwargs["pk"])
        requests = selectors.redemption_requests_visible(self.request.user, cooperative)
        return _filtered(self.request, requests, RedemptionRequest.Status.values)

    @extend_schema(
        parameters=[_status_parameter(RedemptionRequest.Status.values)],
        description="Redemption requests, oldest first. " + VISIBILITY,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=RedemptionRequestInputSerializer,
        responses={201: RedemptionRequestSerializer},
        description="A shareholder asks to be repaid shares at nominal value. 422 lockup_not_over, "
        "not_enough_shares, below_minimum_holding. Administrators may ask for a shareholder (`shareholder`).",
    )
    def post(self, request: Request, pk: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        data = valid(RedemptionRequestInputSerializer, request.data)
        if data["shareholder"] is not None:
            shareholder = shareholder_in(cooperative, data["shareholder"])
        else:
            own = selectors.shareholder_of(cooperative, request.user)
            if own is None:
                raise PermissionDenied(_("Only a shareholder may ask to redeem shares."))
            shareholder = own
        created = services.redemption_request_create(
            shareholder=shareholder,
            share_class=share_class_of(cooperative, data["share_class"]),
            quantity=data["quantity"],
            actor=request.user,
        )
        return redemption_out(request.user, cooperative, created.pk, status.HTTP_201_CREATED)


class RedemptionRequestDetailView(APIView):
    @extend_schema(responses=RedemptionRequestSerializer, description="A redemption request. " + VISIBILITY)
    def get(self, request: Request, pk: int, rid: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        return redemption_out(request.user, cooperative, rid)


class RedemptionApproveView(APIView):
    @extend_schema(
        request=BoardApprovalInputSerializer,
        responses=RedemptionRequestSerializer,
        description="The board approves: the repayment falls due after the statutory delay (`due_on`). Administrators.",
    )
    def post(self, request: Request, pk: int, rid: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        found = selectors.redemption_request_get_visible(request.user, cooperative, rid)
        require_administrator(request.user)
        data = valid(BoardApprovalInputSerializer, request.data)
        services.redemption_request_approve(
            request=found, board_decision=data["board_decision"], on=data["decided_on"], actor=request.user
        )
        return redemption_out(request.user, cooperative, found.pk)


class RedemptionRejectView(APIView):
    @extend_schema(
        request=BoardRejectionInputSerializer,
        responses=RedemptionRequestSerializer,
        description="The board refuses a request not yet paid. Administrators.",
    )
    def post(self, request: Request, pk: int, rid: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        found = selectors.redemption_request_get_visible(request.user, cooperative, rid)
        require_administrator(request.user)
        data = valid(BoardRejectionInputSerializer, request.data)
        services.redemption_request_reject(request=found, reason=data["reason"], actor=request.user)
        return redemption_out(request.user, cooperative, found.pk)


class RedemptionPayView(APIView):
    @extend_schema(
        request=SharePaymentInputSerializer,
        responses=RedemptionRequestSerializer,
        description="Record the repayment of an approved, due redemption: capital account → EUR out, the "
        "shares are redeemed. 422 not_due_yet, request_not_pending, lockup_not_over, capital_below_floor, "
        "not_enough_shares. Administrators.",
    )
    def post(self, request: Request, pk: int, rid: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        found = selectors.redemption_request_get_visible(request.user, cooperative, rid)
        require_administrator(request.user)
        data = valid(SharePaymentInputSerializer, request.data)
        services.redemption_request_pay(request=found, paid_on=data["paid_on"], actor=request.user)
        return redemption_out(request.user, cooperative, found.pk)


# --- my shares ------------------------------------------------------------------------------


class MySharesView(APIView):
    @extend_schema(
        responses=MySharesSerializer,
        description="Your shares in the cooperative today (per class, at nominal value), your movements in "
        "the register and your requests. Any signed-in user (empty when not a shareholder).",
    )
    def get(self, request: Request, pk: int) -> Response:
        cooperative = cooperative_for(request.user, pk)
        shareholder = selectors.shareholder_of(cooperative, request.user)
        holdings: list[dict[str, Any]] = []
        movements: list[ShareMovement] = []
        if shareholder is not None:
            for share_class in cooperative.share_classes.order_by("code"):
                shares = selectors.shares_of(shareholder, share_class=share_class)
                if shares:
                    value = shares * share_class.nominal_value
                    holdings.append({"share_class": share_class, "shares": shares, "value": value})
            mine = Q(from_shareholder=shareholder) | Q(to_shareholder=shareholder)
            movements = list(selectors.register(cooperative).filter(mine))
        data = {
            "shareholder": shareholder,
            "holdings": holdings,
            "total_shares": sum(int(holding["shares"]) for holding in holdings),
            "total_value": sum(int(holding["value"]) for holding in holdings),
            "movements": movements,
            "subscription_requests": selectors.subscription_requests_own(request.user, cooperative),
            "redemption_requests": selectors.redemption_requests_own(request.user, cooperative),
        }
        context = {"cancelled_by": cancellations(movements)}
        return Response(MySharesSerializer(data, context=context).data)


C = "cooperatives/<int:pk>/"
S = C + "subscription-requests/"
R = C + "redemption-requests/"
urlpatterns = [
    path(C + "my-shares/", MySharesView.as_view(), name="api-cooperative-my-shares"),
    path(S, SubscriptionRequestsView.as_view(), name="api-cooperative-subscription-requests"),
    path(S + "<int:rid>/", SubscriptionRequestDetailView.as_view(), name="api-cooperative-subscription-request"),
    path(S + "<int:rid>/approve/", SubscriptionApproveView.as_view(), name="api-subscription-request-approve"),
    path(S + "<int:rid>/reject/", SubscriptionRejectView.as_view(), name="api-subscription-request-reject"),
    path(S + "<int:rid>/pay/", SubscriptionPayView.as_view(), name="api-subscription-request-pay"),
    path(S + "<int:rid>/cancel/", SubscriptionCancelView.as_view(), name="api-subscription-request-cancel"),
    path(R, RedemptionRequestsView.as_view(), name="api-cooperative-redemption-requests"),
    path(R + "<int:rid>/", RedemptionRequestDetailView.as_view(), name="api-cooperative-redemption-request"),
    path(R + "<int:rid>/approve/", RedemptionApproveView.as_view(), name="api-redemption-request-approve"),
    path(R + "<int:rid>/reject/", RedemptionRejectView.as_view(), name="api-redemption-request-reject"),
    path(R + "<int:rid>/pay/", RedemptionPayView.as_view(), name="api-redemption-request-pay"),
]
