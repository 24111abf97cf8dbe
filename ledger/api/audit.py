"""API of the books, under /api/audit/: the trial balance at a date, and exports made in the background.

For staff and auditors (`ledger.audit_ledger`); anyone else gets 403, and 404 for an export that
is not theirs. Auditors read; they may ask for exports, and change nothing else.
Money in JSON: `"balance": "12.50"` with `"unit": "EUR"`.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

from django.http import FileResponse
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import MAX_ID
from core.errors import NotFound, PermissionDenied
from core.pagination import DefaultPagination

from .. import books, export_requests, exports, fec
from ..models import ExportJob
from ..selectors import can_read_everything
from ..units import all_units
from .serializers import as_decimal_text


def _reader(request: Request) -> None:
    if not can_read_everything(request.user):
        raise PermissionDenied()


class OnQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False)


class ExportInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(exports.REQUESTABLE_KINDS))
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    entity = serializers.CharField(
        required=False, max_length=20, help_text="FEC: `association` (default) or a cooperative's SIREN."
    )
    books = serializers.ChoiceField(
        choices=exports.FEC_BOOKS,
        required=False,
        help_text="FEC: `statutory` (default: euros and the local currency) or `non_statutory` (hours, SEL units).",
    )
    encoding = serializers.ChoiceField(
        choices=fec.ENCODINGS, required=False, help_text="FEC: `iso-8859-15` (default) or `utf-8`."
    )
    account_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class ExportJobSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.get_username", read_only=True)
    download_url = serializers.SerializerMethodField()
    file_name = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "parameters",
            "status",
            "progress_done",
            "progress_total",
            "error",
            "requested_by",
            "created_at",
            "finished_at",
            "file_name",
            "download_url",
        ]

    def get_file_name(self, job: ExportJob) -> str | None:
        return os.path.basename(job.file.name) if job.status == ExportJob.Status.DONE and job.file else None

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.DONE or not job.file:
            return None
        return reverse("api-audit-export-file", args=[job.pk])


class TrialBalanceQuerySerializer(OnQuerySerializer):
    unit = serializers.ChoiceField(choices=[], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, serializers.ChoiceField)
        unit.choices = all_units()  # the units as configured, not at import


class TrialBalancePagination(DefaultPagination):
    """Limit/offset, counted by the totals' query already: no second pass over every account."""

    known_count = 0

    def get_count(self, queryset: Any) -> int:
        return self.known_count


def _account_line(account: Any) -> dict[str, Any]:
    return {
        "id": account.pk,
        "label": account.label,
        "kind": account.kind,
        "system_code": account.system_code,
        "holder": account.holder_id,
        "balance": as_decimal_text(account.balance_on, account.unit),
    }


class TrialBalanceView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("on", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="YYYY-MM-DD; absent: today."),
            OpenApiParameter("unit", OpenApiTypes.STR, OpenApiParameter.QUERY, description="This unit's accounts."),
            OpenApiParameter("limit", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Accounts per page."),
            OpenApiParameter("offset", OpenApiTypes.INT, OpenApiParameter.QUERY),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        """Per unit, the totals at the end of the day (Europe/Paris; each unit sums to zero) and
        the accounts of this page; `results` lists the page's accounts (with their unit), `count`,
        `next` and `previous` page through all of them, in id order, as the other lists do."""
        _reader(request)
        serializer = TrialBalanceQuerySerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        day: datetime.date = serializer.validated_data.get("on") or timezone.localdate()
        only: str | None = serializer.validated_data.get("unit")
        totals = books.trial_balance_totals(day)
        paginator = TrialBalancePagination()
        paginator.known_count = sum(line.accounts for line in totals if line.unit == only or not only)
        page = paginator.paginate_queryset(books.trial_balance_accounts(day, only), request, view=self) or []
        units = [
            {
                "unit": line.unit,
                "accounts_count": line.accounts,
                "debit_total": as_decimal_text(line.debit_total, line.unit),
                "credit_total": as_decimal_text(line.credit_total, line.unit),
                "total": as_decimal_text(line.total, line.unit),
                # Kept from the unpaginated answer: this page's accounts of the unit.
                "accounts": [_account_line(account) for account in page if account.unit == line.unit],
            }
            for line in totals
        ]
        envelope = paginator.get_paginated_response(
            [{**_account_line(account), "unit": account.unit} for account in page]
        ).data
        return Response({"on": day.isoformat(), "units": units, **envelope})


class ExportListView(APIView):
    @extend_schema(responses=ExportJobSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The 50 most recent exports."""
        _reader(request)
        jobs = ExportJob.objects.select_related("requested_by").order_by("-created_at", "-id")[:50]
        return Response(ExportJobSerializer(jobs, many=True).data)

    @extend_schema(request=ExportInputSerializer, responses={202: ExportJobSerializer})
    def post(self, request: Request) -> Response:
        """Ask for an export: `{"kind": "fec", "year": 2026}` (optional `entity`, `books`, `encoding`) or a statement
        (`statement_csv`/`statement_pdf` with `account_id`, `date_from`, `date_to`). 202: queued."""
        _reader(request)
        serializer = ExportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(serializer.validated_data)
        kind = data.pop("kind")
        job = export_requests.export_request(kind=kind, parameters=data, actor=request.user)
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def _job_for(request: Request, pk: int) -> ExportJob:
    job = exports.export_visible_to(request.user, pk) if 0 < pk <= MAX_ID else None
    if job is None:
        raise NotFound()
    return job


class ExportDetailView(APIView):
    @extend_schema(responses=ExportJobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        """An export's status and progress; `download_url` once it is done."""
        return Response(ExportJobSerializer(_job_for(request, pk)).data)


class ExportFileView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> FileResponse:
        """The export's file, once done (404 before)."""
        job = _job_for(request, pk)
        if job.status != ExportJob.Status.DONE or not job.file:
            raise NotFound()
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=os.path.basename(job.file.name))


urlpatterns = [
    path("trial-balance/", TrialBalanceView.as_view(), name="api-audit-trial-balance"),
    path("exports/", ExportListView.as_view(), name="api-audit-exports"),
    path("exports/<int:pk>/", ExportDetailView.as_view(), name="api-audit-export"),
    path("exports/<int:pk>/file/", ExportFileView.as_view(), name="api-audit-export-file"),
]
