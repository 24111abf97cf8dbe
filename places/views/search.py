"""Finding a free resource across the network: a day, a time range, seats, a kind, a commune."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from places.selectors.search import free_resources
from places.views.forms import SearchForm


def _book_query(free: Any, resource: Any, seats: int) -> str:
    """The booking form's values for the start of a free interval: as long as it and the resource allow."""
    end = min(free.end, free.start + dt.timedelta(minutes=resource.max_minutes))
    start_local, end_local = timezone.localtime(free.start), timezone.localtime(end)
    return urlencode(
        {
            "date": start_local.date().isoformat(),
            "start": start_local.strftime("%H:%M"),
            "end": end_local.strftime("%H:%M"),
            "seats": seats,
        }
    )


def place_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, initial={"date": timezone.localdate(), "seats": 1})
    results: list[dict[str, Any]] | None = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        start, end = data["span"]
        found = free_resources(
            start, end, seats=data["seats"], kind=data["kind"] or None, commune=data["commune"] or None
        )
        results = [
            {
                "resource": item.resource,
                "free": item.free,
                "book": _book_query(item.free[0], item.resource, data["seats"]) if item.free else None,
            }
            for item in found
        ]
    return render(
        request,
        "places/search.html",
        {"form": form, "results": results},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


urlpatterns = [path("places/search/", place_search, name="place-search")]
