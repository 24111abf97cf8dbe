"""The member's personal data export (RGPD) in the API: ask for one, follow it, download the ZIP.

`POST /api/members/me/exports/` → 202 `{"id", "status"}` (asking while one is queued or running
returns that one); `GET /api/members/me/exports/{id}/` → `{"id", "status", "download_url"}`, the
absolute URL of the ZIP while it is ready and not expired, else null. Another member's export is a
404; a user who is no member gets 403 `not_a_member`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound, PermissionDenied

from .. import selectors, services
from ..models import Member, PersonalDataExport


class NotAMember(PermissionDenied):
    code = "not_a_member"
    default_message = _("Only members have personal data to export.")


class PersonalDataExportCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=PersonalDataExport.Status.choices)


class PersonalDataExportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=PersonalDataExport.Status.choices)
    download_url = serializers.URLField(allow_null=True)


def _member(request: Request) -> Member:
    member = selectors.member_or_none(request.user)
    if member is None:
        raise NotAMember()
    return member


class PersonalDataExportListView(APIView):
    @extend_schema(
        request=None,
        responses={202: PersonalDataExportCreatedSerializer},
        description="Ask for a copy of everything Bocage holds about you (a ZIP of JSON and French CSV), "
        "made in the background. While one is queued or running, this returns it.",
    )
    def post(self, request: Request) -> Response:
        export = services.personal_data_export_request(member=_member(request), actor=request.user)
        return Response({"id": export.pk, "status": export.status}, status=status.HTTP_202_ACCEPTED)


class PersonalDataExportDetailView(APIView):
    @extend_schema(
        responses=PersonalDataExportSerializer,
        description="An export of your personal data: its status and, while it is ready and not expired, "
        "the URL of the ZIP (else null).",
    )
    def get(self, request: Request, pk: int) -> Response:
        _member(request)
        export = selectors.personal_data_export_of(request.user, pk)
        if export is None:
            raise NotFound(_("No such export."))
        url = (
            request.build_absolute_uri(reverse("personal-data-download", args=[export.pk]))
            if export.available
            else None
        )
        return Response({"id": export.pk, "status": export.status, "download_url": url})
