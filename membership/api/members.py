"""The members API (/api/members/): joining, one's own member with its accounts, renewing the
membership, leaving (one's own account), closing a member. It lives here, above the ledger,
because each action reaches it."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_errors import error_body
from core.errors import InvalidInput, NotFound
from members import selectors
from members.api.serializers import MemberCreateSerializer
from members.models import Member

from .. import services
from ..errors import MemberCannotLeave
from .serializers import (
    LeaveRefusalSerializer,
    LeaveResultSerializer,
    LeaveSerializer,
    MemberSerializer,
    MembershipPaymentSerializer,
    MembershipRenewSerializer,
)


class MemberViewSet(viewsets.GenericViewSet):
    serializer_class = MemberSerializer
    queryset = Member.objects.none()  # only for the schema: every action finds its member itself

    def get_permissions(self):
        if self.action in {"create", "close"}:
            return [permissions.IsAdminUser()]
        return [permissions.IsAuthenticated()]

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def create(self, request: Request) -> Response:
        serializer = MemberCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.member_join(actor=request.user, **serializer.validated_data)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MemberSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(MemberSerializer(selectors.member_of(request.user)).data)

    @extend_schema(request=MembershipRenewSerializer, responses={201: MembershipPaymentSerializer})
    @action(detail=False, methods=["post"], url_path="me/membership")
    def renew_membership(self, request: Request) -> Response:
        """Pay the next year of membership from one's own ACH account."""
        serializer = MembershipRenewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["unit"] != settings.BOCAGE_LOCAL_UNIT:
            raise InvalidInput(
                fields={"unit": [_("Members renew online in ACH; euros are paid at an exchange office.")]}
            )
        member = selectors.member_of(request.user)
        payment = services.membership_renew(member=member, unit=settings.BOCAGE_LOCAL_UNIT, actor=request.user)
        return Response(MembershipPaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=MemberSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        member = Member.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()
        if member is None:
            raise NotFound()
        return Response(MemberSerializer(services.member_close(member=member, actor=request.user)).data)

    @extend_schema(
        request=LeaveSerializer,
        responses={200: LeaveResultSerializer, 422: LeaveRefusalSerializer},
        description=(
            "Leave Bocage: close one's own accounts and membership and erase one's personal data. "
            'Requires {"confirm": true}. Refused with 422 while something is to settle: `code` is the '
            "first obstacle's (staff_account, balances_not_zero, holds_pending, shares_held, "
            "requests_pending, campaigns_running, exchanges_open), `obstacles` lists them all."
        ),
    )
    @action(detail=False, methods=["post"], url_path="me/close", url_name="me-close")
    def leave(self, request: Request) -> Response:
        member = selectors.member_of(request.user)  # a user who is no member: 404 before anything else
        serializer = LeaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.member_leave(member=member, actor=request.user)
        except MemberCannotLeave as exc:
            body = error_body(exc.code, exc.message)
            body["obstacles"] = [obstacle.as_dict() for obstacle in exc.obstacles]
            return Response(body, status=exc.status)
        return Response({"status": "closed"})
