"""The audit log for staff and auditors: browse it with filters, newest first, and export it as CSV.

Everyone else gets a 404, as for any page they may not see. The filters are one form, which the
API (`ledger.api.log`) reads too, so the page, the CSV file and the API always agree.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import describe_events
from core.csv import csv_response
from core.dates import DateField
from core.models import AuditEvent
from core.typing import RequestUser

from ..selectors import audit_targets, can_read_everything
from ..units import get_unit

PAGE_SIZE = 50


class AuditLogFilterForm(forms.Form):
    action = forms.CharField(
        label=gettext_lazy("Action"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"list": "audit-actions"}),
    )
    object_type = forms.CharField(
        label=gettext_lazy("Object type"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"list": "audit-object-types"}),
    )
    actor = forms.CharField(label=gettext_lazy("By (username)"), required=False, max_length=150)
    after = DateField(label=gettext_lazy("From"), required=False)
    before = DateField(label=gettext_lazy("To"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("after") and data.get("before") and data["after"] > data["before"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events_filtered(data: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The events matching cleaned filters, newest first; dates are local days, both included."""
    events = AuditEvent.objects.select_related("actor", "actor__member").order_by("-created_at", "-id")
    if data.get("action"):
        events = events.filter(action=data["action"].strip())
    if data.get("object_type"):
        events = events.filter(object_type=data["object_type"].strip().lower())
    if data.get("actor"):
        events = events.filter(actor__username=data["actor"].strip())
    if data.get("after"):
        events = events.filter(created_at__gte=_start_of(data["after"]))
    if data.get("before"):
        events = events.filter(created_at__lt=_start_of(data["before"] + datetime.timedelta(days=1)))
    return events


def _reader_only(user: RequestUser) -> None:
    if not can_read_everything(user):
        raise Http404


def _filters(request: HttpRequest) -> tuple[AuditLogFilterForm, QuerySet[AuditEvent]]:
    form = AuditLogFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, AuditEvent.objects.none()
    return form, audit_events_filtered(form.cleaned_data if form.is_bound else {})


def details_text(event: AuditEvent) -> str:
    return json.dumps(event.details, ensure_ascii=False, sort_keys=True) if event.details else ""


def _format_amount(minor: int, unit: str) -> str:
    return get_unit(unit).format(minor)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _reader_only(request.user)
    form, events = _filters(request)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ledger/audit_log.html",
        {
            "form": form,
            "page": page,
            # Each event as a sentence in the reader's language, its raw details one click away.
            "rows": describe_events(page.object_list, format_amount=_format_amount, load_objects=audit_targets),
            "query": query.urlencode(),
            "actions": AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct(),
            "object_types": AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct(),
        },
    )


AUDIT_LOG_CSV_HEADER = (
    gettext_lazy("Date"),
    gettext_lazy("By"),
    gettext_lazy("Action"),
    gettext_lazy("Object type"),
    gettext_lazy("Object id"),
    gettext_lazy("Reason"),
    gettext_lazy("Details"),
)


@login_required
def audit_log_csv(request: HttpRequest) -> HttpResponseBase:
    """The filtered log for a spreadsheet, streamed: French unless `?lang=en` (core.csv)."""
    _reader_only(request.user)
    _form, events = _filters(request)
    rows = (
        [
            event.created_at,
            event.actor.get_username() if event.actor is not None else "",
            event.action,
            event.object_type,
            event.object_id,
            event.reason,
            details_text(event),
        ]
        for event in events.iterator(chunk_size=2000)
    )
    return csv_response(request, filename="audit-log.csv", header=AUDIT_LOG_CSV_HEADER, rows=rows, streaming=True)
