"""Booking every week: from the booking page, "Répéter chaque semaine" opens this form; the member
sees every date of the series and those that cannot be booked (full, closed, too far…) before
confirming; the result lists the dates booked and the dates refused, with the reason."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from core.errors import ApplicationError, NotFound
from members.selectors import member_or_none
from places.selectors import pages
from places.selectors.series import series_preview
from places.services.series import booking_series_create
from places.views.forms import SeriesForm

FIELDS = ("first_date", "last_date", "start", "end", "seats")


def _signature(data: dict[str, Any]) -> str:
    """The values the member saw previewed: confirming other values previews them first."""
    return "|".join(str(data.get(name) or "") for name in FIELDS)


def _terms(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "weekday": data["first_date"].isoweekday(),
        "start_time": data["start"],
        "end_time": data["end"],
        "first_date": data["first_date"],
        "last_date": data["last_date"],
        "seats": data["seats"],
    }


@login_required
def series_new(request: HttpRequest, resource_id: int) -> HttpResponse:
    try:
        resource = pages.resource_get_visible(request.user, resource_id)
    except NotFound:
        raise Http404 from None
    member = member_or_none(request.user)
    if member is None:
        raise Http404
    if request.method == "POST":
        form = SeriesForm(request.POST, capacity=resource.capacity)
    else:
        initial = {
            "first_date": request.GET.get("date"),
            "start": request.GET.get("start"),
            "end": request.GET.get("end"),
        }
        form = SeriesForm(initial={k: v for k, v in initial.items() if v}, capacity=resource.capacity)
    preview, status = None, 200
    if form.is_bound:
        if not form.is_valid():
            status = 400
        else:
            data = form.cleaned_data
            try:
                if request.POST.get("confirm") == _signature(data):
                    result = booking_series_create(
                        resource=resource,
                        member=member,
                        actor=request.user,
                        idempotency_key=f"page:{request.user.pk}:series:{data['idempotency_key']}",
                        **_terms(data),
                    )
                    return render(
                        request,
                        "places/series_result.html",
                        {"resource": resource, "result": result},
                    )
                preview = series_preview(resource=resource, **_terms(data))
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                status = 422
    return render(
        request,
        "places/series_new.html",
        {
            "resource": resource,
            "form": form,
            "preview": preview,
            "signature": _signature(form.cleaned_data) if preview else "",
            "free_count": sum(1 for line in preview or [] if line.free),
        },
        status=status,
    )


urlpatterns = [
    path("places/resources/<int:resource_id>/book/weekly/", series_new, name="booking-series-new"),
]
