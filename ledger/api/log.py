"""GET /api/audit-log/: the audit log for staff and auditors, paginated, with the page's filters
(`action`, `object_type`, `actor`, `after`, `before` as YYYY-MM-DD), newest first."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request

from core.errors import InvalidInput, PermissionDenied
from core.models import AuditEvent

from ..selectors import can_read_everything
from ..views.log import AuditLogFilterForm, audit_events_filtered


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "action", "object_type", "object_id", "reason", "details"]

    def get_actor(self, event: AuditEvent) -> str | None:
        return event.actor.get_username() if event.actor is not None else None


FILTERS = [
    OpenApiParameter("action", OpenApiTypes.STR, description="e.g. reversal, account_freeze, campaign_approve"),
    OpenApiParameter("object_type", OpenApiTypes.STR, description="app_label.model, e.g. ledger.account"),
    OpenApiParameter("actor", OpenApiTypes.STR, description="username of who did it"),
    OpenApiParameter("after", OpenApiTypes.DATE, description="from this day (included)"),
    OpenApiParameter("before", OpenApiTypes.DATE, description="up to this day (included)"),
]


@extend_schema(parameters=FILTERS)
class AuditLogView(generics.ListAPIView):
    serializer_class = AuditEventSerializer

    def get_queryset(self) -> QuerySet[AuditEvent]:
        request: Request = self.request
        if not can_read_everything(request.user):
            raise PermissionDenied()
        form = AuditLogFilterForm(request.query_params)
        if not form.is_valid():
            errors: dict[str, Any] = {field: list(messages) for field, messages in form.errors.items()}
            raise InvalidInput(fields=errors)
        return audit_events_filtered(form.cleaned_data)
