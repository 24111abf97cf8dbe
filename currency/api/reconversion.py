"""API of reconversions (businesses ask, staff approve or reject) and of the SEPA exports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.urls import path
from djmoney.money import Money
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import DefaultPagination
from currency.errors import ReconversionBusinessesOnly
from currency.models import Reconversion, SepaExport
from currency.selectors.reconversions import (
    may_manage_reconversions,
    reconversion_get_visible,
    reconversions_visible_to,
    sepa_export_get_visible,
    sepa_exports_visible_to,
)
from currency.services import reconversions as services
from ledger.api.serializers import AmountInputField
from ledger.selectors import can_read_everything
from members.models import Member
from members.selectors import member_or_none

from .comptoir import CentsField, object_id

ACH, EUR = settings.BOCAGE_LOCAL_UNIT, "EUR"


class ReconversionSerializer(serializers.ModelSerializer):
    amount = CentsField(help_text="ACH handed back.")
    unit = serializers.SerializerMethodField()
    fee = CentsField(help_text="Euros kept as the fee.")
    net_amount = serializers.SerializerMethodField(help_text="Euros transferred (amount − fee).")
    member_name = serializers.CharField(source="member.display_name", read_only=True)

    class Meta:
        model = Reconversion
        fields = [
            "id",
            "member",
            "member_name",
            "amount",
            "unit",
            "fee",
            "net_amount",
            "iban",
            "bic",
            "status",
            "requested_at",
            "decided_at",
            "rejection_reason",
            "transaction",
            "export",
        ]

    def get_unit(self, obj: Reconversion) -> str:
        return ACH

    def get_net_amount(self, obj: Reconversion) -> str:
        return str(Decimal(obj.amount - obj.fee).scaleb(-2))


class ReconversionInputSerializer(serializers.Serializer):
    amount = AmountInputField(help_text="ACH to turn back into euros, e.g. “120.00”.")


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class SepaExportSerializer(serializers.ModelSerializer):
    total = CentsField()
    unit = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = SepaExport
        fields = ["id", "message_id", "created_at", "created_by", "count", "total", "unit"]

    def get_unit(self, obj: SepaExport) -> str:
        return EUR


def _own_member(request: Request) -> Member:
    member = member_or_none(request.user)
    if member is None:
        raise ReconversionBusinessesOnly()
    return member


class ReconversionListCreateView(APIView):
    pagination_class = DefaultPagination  # so the schema shows the paginated envelope

    @extend_schema(responses=ReconversionSerializer(many=True), description="Your own requests (staff: every request).")
    def get(self, request: Request) -> Response:
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(reconversions_visible_to(request.user), request, view=self)
        return paginator.get_paginated_response(ReconversionSerializer(page, many=True).data)

    @extend_schema(
        request=ReconversionInputSerializer,
        responses={201: ReconversionSerializer},
        description="A business asks to turn ACH back into euros, paid to the IBAN of its profile.",
    )
    def post(self, request: Request) -> Response:
        serializer = ReconversionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reconversion = services.reconversion_request(
            member=_own_member(request),
            amount=Money(serializer.validated_data["amount"], ACH),
            actor=request.user,
        )
        return Response(ReconversionSerializer(reconversion).data, status=status.HTTP_201_CREATED)


class ReconversionApproveView(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(request=None, responses=ReconversionSerializer)
    def post(self, request: Request, pk: str) -> Response:
        reconversion = reconversion_get_visible(user=request.user, reconversion_id=object_id(pk))
        approved = services.reconversion_approve(reconversion=reconversion, actor=request.user)
        return Response(ReconversionSerializer(approved).data)


class ReconversionRejectView(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(request=RejectInputSerializer, responses=ReconversionSerializer)
    def post(self, request: Request, pk: str) -> Response:
        reconversion = reconversion_get_visible(user=request.user, reconversion_id=object_id(pk))
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rejected = services.reconversion_reject(
            reconversion=reconversion, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(ReconversionSerializer(rejected).data)


class ReadsEverythingOrStaff(permissions.BasePermission):
    """Reading: staff and auditors (they read every payment made); anything else: staff only."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return can_read_everything(request.user)
        return may_manage_reconversions(request.user)


class SepaExportListCreateView(APIView):
    pagination_class = DefaultPagination  # so the schema shows the paginated envelope
    permission_classes = [ReadsEverythingOrStaff]

    @extend_schema(responses=SepaExportSerializer(many=True))
    def get(self, request: Request) -> Response:
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(sepa_exports_visible_to(request.user), request, view=self)
        return paginator.get_paginated_response(SepaExportSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={201: SepaExportSerializer},
        description="Put every approved reconversion not yet paid into one pain.001.001.03 file (422 if none).",
    )
    def post(self, request: Request) -> Response:
        export = services.sepa_export_create(actor=request.user)
        return Response(SepaExportSerializer(export).data, status=status.HTTP_201_CREATED)


class SepaExportXmlView(APIView):
    permission_classes = [ReadsEverythingOrStaff]

    @extend_schema(
        responses={(200, "application/xml"): OpenApiResponse(OpenApiTypes.STR, description="pain.001.001.03")}
    )
    def get(self, request: Request, pk: str) -> Any:
        export = sepa_export_get_visible(user=request.user, export_id=object_id(pk))
        response = HttpResponse(export.xml, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export.message_id}.xml"'
        return response


urlpatterns = [
    path("reconversions/", ReconversionListCreateView.as_view(), name="api-reconversions"),
    path("reconversions/<str:pk>/approve/", ReconversionApproveView.as_view(), name="api-reconversion-approve"),
    path("reconversions/<str:pk>/reject/", ReconversionRejectView.as_view(), name="api-reconversion-reject"),
    path("sepa-exports/", SepaExportListCreateView.as_view(), name="api-sepa-exports"),
    path("sepa-exports/<str:pk>/xml", SepaExportXmlView.as_view(), name="api-sepa-export-xml"),
]
