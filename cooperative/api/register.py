"""API of cooperatives and their register: statutes, classes, colleges, shareholders, movements, GA.

Every member reads the cooperatives (name, statutes, classes, colleges: what one needs to ask for
shares). The register itself (movements, holdings, capital, shareholders, voters, the tally) is
for its administrators and auditors: anyone else gets 403. Writes are the administrators' alone:
auditors get 403 too. Statutory refusals answer 422 with their code (below_minimum_holding…).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cooperative import assembly, selectors
from cooperative.api.serializers import UNIT
from cooperative.api.serializers.inputs import (
    CollegesInputSerializer,
    CooperativeInputSerializer,
    MovementCancelInputSerializer,
    ShareClassInputSerializer,
    ShareholderAdmitInputSerializer,
    ShareTransferInputSerializer,
    SubscribeInputSerializer,
    TallyInputSerializer,
)
from cooperative.api.serializers.reads import (
    CapitalSerializer,
    CollegesSerializer,
    CooperativeSerializer,
    HoldingsSerializer,
    RegisterMovementSerializer,
    ShareClassSerializer,
    ShareholderSerializer,
    SubscriptionRequestSerializer,
    TallySerializer,
    VotersSerializer,
)
from cooperative.models import College, Cooperative, ShareClass, Shareholder, ShareMovement
from cooperative.services import register as register_services
from cooperative.services import requests as request_services
from cooperative.services import setup
from core.api import checked_id, valid
from core.errors import InvalidInput, NotFound
from members.models import Commune, Member

from .common import (
    ON_PARAMETER,
    administered,
    cancellations,
    college_of,
    cooperative_for,
    day_asked,
    register_readable,
    share_class_of,
    shareholder_in,
)

READERS = "Administrators and auditors; 403 for anyone else."
ADMINISTRATORS = "Administrators only; 403 for anyone else (auditors included)."


def _with_statutes(cooperatives: QuerySet[Cooperative]) -> QuerySet[Cooperative]:
    return cooperatives.prefetch_related(
        Prefetch("share_classes", queryset=ShareClass.objects.order_by("code")),
        Prefetch("colleges", queryset=College.objects.order_by("position", "id")),
    )


def cooperative_out(request: Request, cooperative: Cooperative, code: int = status.HTTP_200_OK) -> Response:
    fresh = _with_statutes(selectors.cooperatives_visible_to(request.user)).get(pk=cooperative.pk)
    return Response(CooperativeSerializer(fresh).data, status=code)


def movement_out(movement: ShareMovement, code: int = status.HTTP_201_CREATED) -> Response:
    fresh = selectors.register(movement.cooperative).get(pk=movement.pk)
    data = RegisterMovementSerializer(fresh, context={"cancelled_by": cancellations([fresh])}).data
    return Response(data, status=code)


def colleges_out(cooperative: Cooperative) -> Response:
    colleges = selectors.members_per_college(cooperative).order_by("position", "id")
    data = {"colleges": colleges, "weight_problems": setup.college_weight_problems(cooperative)}
    return Response(CollegesSerializer(data).data)


class CooperativeListView(generics.ListAPIView):
    serializer_class = CooperativeSerializer

    def get_queryset(self) -> QuerySet[Cooperative]:
        return _with_statutes(selectors.cooperatives_visible_to(self.request.user)).order_by("name", "id")

    @extend_schema(
        description="Every cooperative with its statutes, share classes (nominal value) and colleges "
        "(weights): any signed-in user."
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CooperativeInputSerializer,
        responses={201: CooperativeSerializer},
        description="Register a cooperative with its statutory rules and open its EUR capital account. "
        + ADMINISTRATORS
        + " Add share classes and colleges next.",
    )
    def post(self, request: Request) -> Response:
        register_services.require_administrator(request.user)
        data = valid(CooperativeInputSerializer, request.data)
        if data["commune"] is not None:
            data["commune"] = Commune.objects.filter(pk=data["commune"]).first()
            if data["commune"] is None:
                raise InvalidInput(fields={"commune": [_("No such commune.")]})
        if "capital_floor" in data:
            data["capital_floor"] = Money(data["capital_floor"], UNIT)
        created = setup.cooperative_create(actor=request.user, **data)
        return cooperative_out(request, created, status.HTTP_201_CREATED)


class CooperativeDetailView(APIView):
    @extend_schema(responses=CooperativeSerializer, description="A cooperative, its statutes, classes and colleges.")
    def get(self, request: Request, pk: int) -> Response:
        return cooperative_out(request, cooperative_for(request.user, pk))


# --- reads of the register ------------------------------------------------------------------


class RegisterView(generics.ListAPIView):
    serializer_class = RegisterMovementSerializer

    def get_queryset(self) -> QuerySet[ShareMovement]:
        return selectors.register(register_readable(self.request.user, self.kwargs["pk"]))

    @extend_schema(
        description="The register of movements in number order (subscriptions, transfers, redemptions, "
        "cancellations), paginated. " + READERS
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # a paginated view
        context = {"cancelled_by": cancellations(page)}
        return self.get_paginated_response(RegisterMovementSerializer(page, many=True, context=context).data)


class HoldingsView(APIView):
    @extend_schema(
        parameters=[ON_PARAMETER],
        responses=HoldingsSerializer,
        description="Every shareholder's shares per class at the end of the day `on`, largest first. " + READERS,
    )
    def get(self, request: Request, pk: int) -> Response:
        cooperative = register_readable(request.user, pk)
        on = day_asked(request) or timezone.localdate()
        holdings = selectors.holdings_at(cooperative, on)
        data = {
            "on": on,
            "total_shares": sum(holding.shares for holding in holdings),
            "total_value": sum(holding.value for holding in holdings),
            "holdings": holdings,
        }
        return Response(HoldingsSerializer(data).data)


class CapitalView(APIView):
    @extend_schema(
        parameters=[ON_PARAMETER],
        responses=CapitalSerializer,
        description="The subscribed capital at the end of the day `on`, and its whole history. " + READERS,
    )
    def get(self, request: Request, pk: int) -> Response:
        cooperative = register_readable(request.user, pk)
        on = day_asked(request) or timezone.localdate()
        data = {
            "on": on,
            "capital": selectors.capital_at(cooperative, on),
            "capital_floor": cooperative.capital_floor,
            "history": [{"date": day, "capital": capital} for day, capital in selectors.capital_history(cooperative)],
        }
        return Response(CapitalSerializer(data).data)


class CollegesView(APIView):
    @extend_schema(
        responses=CollegesSerializer,
        description="The colleges with their weights and admitted members, and what is wrong with the "
        "weights if anything. " + READERS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return colleges_out(register_readable(request.user, pk))

    @extend_schema(
        request=CollegesInputSerializer,
        responses=CollegesSerializer,
        description="Define every college at once (matched by name; a college with members cannot be left "
        "out). 422 invalid_college_weights unless they sum to 100 % (SCIC: each 10 to 50 %). " + ADMINISTRATORS,
    )
    def put(self, request: Request, pk: int) -> Response:
        cooperative = administered(request.user, pk)
        data = valid(CollegesInputSerializer, request.data)
        setup.colleges_define(cooperative=cooperative, colleges=data["colleges"], actor=request.user)
        return colleges_out(cooperative)


class ShareholdersView(generics.ListAPIView):
    serializer_class = ShareholderSerializer

    def get_queryset(self) -> QuerySet[Shareholder]:
        return Shareholder.objects.select_related("member", "college").order_by("id")

    @extend_schema(description="The shareholders (admitted or gone) with their college and shares today. " + READERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cooperative = register_readable(request.user, kwargs["pk"])
        page = self.paginate_queryset(self.get_queryset().filter(cooperative=cooperative))
        assert page is not None
        shares: dict[int, int] = {}
        for holding in selectors.holdings_at(cooperative):
            shares[holding.shareholder.pk] = shares.get(holding.shareholder.pk, 0) + holding.shares
        serializer = ShareholderSerializer(page, many=True, context={"shares": shares})
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        request=ShareholderAdmitInputSerializer,
        responses={201: ShareholderSerializer},
        description="Admit a member (`member`) or a legal person (`legal_name` and `siren`) into a college, "
        "without shares yet. Admitting a member already admitted changes nothing. " + ADMINISTRATORS,
    )
    def post(self, request: Request, pk: int) -> Response:
        cooperative = administered(request.user, pk)
        data = valid(ShareholderAdmitInputSerializer, request.data)
        member = None
        if data["member"] is not None:
            member = Member.objects.filter(pk=data["member"]).first()
            if member is None:
                raise InvalidInput(fields={"member": [_("No such member.")]})
        shareholder = setup.shareholder_admit(
            cooperative=cooperative,
            college=college_of(cooperative, data["college"]),
            actor=request.user,
            member=member,
            legal_name=data["legal_name"],
            siren=data["siren"],
            address=data["address"],
            admitted_on=data["admitted_on"],
            admission_decision=data["admission_decision"],
        )
        fresh = shareholder_in(cooperative, shareholder.pk)
        shares = {fresh.pk: selectors.shares_of(fresh)}
        return Response(ShareholderSerializer(fresh, context={"shares": shares}).data, status=status.HTTP_201_CREATED)


class VotersView(APIView):
    @extend_schema(
        parameters=[ON_PARAMETER],
        responses=VotersSerializer,
        description="The general assembly's voters on `on`: admitted shareholders holding shares, by college "
        "(one vote each inside a college). " + READERS,
    )
    def get(self, request: Request, pk: int) -> Response:
        cooperative = register_readable(request.user, pk)
        on = day_asked(request) or timezone.localdate()
        colleges = [
            {"college": entry.college, "voters": entry.voters, "count": len(entry.voters)}
            for entry in selectors.voters_at(cooperative, on)
        ]
        return Response(VotersSerializer({"on": on, "colleges": colleges}).data)


class TallyView(APIView):
    @extend_schema(
        request=TallyInputSerializer,
        responses=TallySerializer,
        description="Weigh per-college votes by the colleges' weights (abstentions are not votes cast). "
        "Records nothing: auditors may call it. 400 for an unknown college or more votes than voters; "
        "422 invalid_college_weights. " + READERS,
    )
    def post(self, request: Request, pk: int) -> Response:
        cooperative = register_readable(request.user, pk)
        data = valid(TallyInputSerializer, request.data)
        on = data["on"] or timezone.localdate()
        result = assembly.tally(cooperative=cooperative, votes=data["votes"], majority=data["majority"], on=on)
        body = {
            "majority": result.majority,
            "on": on,
            "colleges": result.colleges,
            "percent_for": result.percent_for,
            "adopted": result.adopted,
        }
        return Response(TallySerializer(body).data)


# --- administrators' writes -----------------------------------------------------------------


class ShareClassesView(APIView):
    @extend_schema(
        request=ShareClassInputSerializer,
        responses={201: ShareClassSerializer},
        description="Add a share class with its nominal value in euros. " + ADMINISTRATORS,
    )
    def post(self, request: Request, pk: int) -> Response:
        cooperative = administered(request.user, pk)
        data = valid(ShareClassInputSerializer, request.data)
        data["nominal_value"] = Money(data["nominal_value"], UNIT)
        created = setup.share_class_create(cooperative=cooperative, actor=request.user, **data)
        return Response(ShareClassSerializer(created).data, status=status.HTTP_201_CREATED)


class TransfersView(APIView):
    @extend_schema(
        request=ShareTransferInputSerializer,
        responses={201: RegisterMovementSerializer},
        description="Record a cession approved by the board (capital unchanged). 422 not_admitted (admit "
        "the buyer first), not_enough_shares, below_minimum_holding, above_maximum_holding, "
        "date_out_of_order. " + ADMINISTRATORS,
    )
    def post(self, request: Request, pk: int) -> Response:
        cooperative = administered(request.user, pk)
        data = valid(ShareTransferInputSerializer, request.data)
        movement = register_services.share_transfer(
            cooperative=cooperative,
            from_shareholder=shareholder_in(cooperative, data["from_shareholder"], "from_shareholder"),
            to_shareholder=shareholder_in(cooperative, data["to_shareholder"], "to_shareholder"),
            share_class=share_class_of(cooperative, data["share_class"]),
            quantity=data["quantity"],
            board_decision=data["board_decision"],
            effective_on=data["effective_on"],
            actor=request.user,
        )
        return movement_out(movement)


class SubscriptionsView(APIView):
    @extend_schema(
        request=SubscribeInputSerializer,
        responses={201: SubscriptionRequestSerializer},
        description="Record a subscription decided and paid at once (founding, a paper form): the euros go "
        "to the capital account and the shares are issued. 422 not_admitted, above_maximum_holding, "
        "below_minimum_holding, date_out_of_order. " + ADMINISTRATORS,
    )
    def post(self, request: Request, pk: int) -> Response:
        cooperative = administered(request.user, pk)
        data = valid(SubscribeInputSerializer, request.data)
        issued = request_services.share_subscribe(
            cooperative=cooperative,
            shareholder=shareholder_in(cooperative, data["shareholder"]),
            share_class=share_class_of(cooperative, data["share_class"]),
            quantity=data["quantity"],
            board_decision=data["board_decision"],
            paid_on=data["paid_on"],
            actor=request.user,
        )
        issued = selectors.subscription_requests_visible(request.user, cooperative).get(pk=issued.pk)
        return Response(SubscriptionRequestSerializer(issued).data, status=status.HTTP_201_CREATED)


class MovementCancelView(APIView):
    @extend_schema(
        request=MovementCancelInputSerializer,
        responses={201: RegisterMovementSerializer},
        description="Cancel a movement by a reversing one (its payment reversed on the ledger). 422 "
        "already_cancelled, not_enough_shares (the shares moved on since), capital_below_floor. " + ADMINISTRATORS,
    )
    def post(self, request: Request, pk: int, number: int) -> Response:
        cooperative = administered(request.user, pk)
        movement = ShareMovement.objects.filter(cooperative=cooperative, number=checked_id(number)).first()
        if movement is None:
            raise NotFound(_("This register has no movement of that number."))
        data = valid(MovementCancelInputSerializer, request.data)
        cancellation = register_services.movement_cancel(
            movement=movement, reason=data["reason"], board_decision=data["board_decision"], actor=request.user
        )
        return movement_out(cancellation)


C = "cooperatives/<int:pk>/"
urlpatterns = [
    path("cooperatives/", CooperativeListView.as_view(), name="api-cooperatives"),
    path(C, CooperativeDetailView.as_view(), name="api-cooperative"),
    path(C + "register/", RegisterView.as_view(), name="api-cooperative-register"),
    path(C + "holdings/", HoldingsView.as_view(), name="api-cooperative-holdings"),
    path(C + "capital/", CapitalView.as_view(), name="api-cooperative-capital"),
    path(C + "colleges/", CollegesView.as_view(), name="api-cooperative-colleges"),
    path(C + "shareholders/", ShareholdersView.as_view(), name="api-cooperative-shareholders"),
    path(C + "voters/", VotersView.as_view(), name="api-cooperative-voters"),
    path(C + "assembly/tally/", TallyView.as_view(), name="api-cooperative-tally"),
    path(C + "share-classes/", ShareClassesView.as_view(), name="api-cooperative-share-classes"),
    path(C + "transfers/", TransfersView.as_view(), name="api-cooperative-transfers"),
    path(C + "subscriptions/", SubscriptionsView.as_view(), name="api-cooperative-subscriptions"),
    path(C + "movements/<int:number>/cancel/", MovementCancelView.as_view(), name="api-cooperative-movement-cancel"),
]
