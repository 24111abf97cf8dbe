"""The network's public pages: the directory and its map, a place's page and its week."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from core.errors import NotFound
from places.models import Place
from places.selectors import catalogue, pages
from places.views.forms import DirectoryFilterForm, WeekForm

# How far the week view may be paged: the availability is readable up to a year ahead.
WEEKS_BACK = 1
WEEKS_AHEAD = 53


def _place(request: HttpRequest, pk: int) -> Place:
    try:
        return pages.place_get_visible(request.user, pk)
    except NotFound:
        raise Http404 from None


def place_list(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    places = list(catalogue.public_places(**filters))
    open_ids = catalogue.open_place_ids(places)
    for place in places:
        place.open_now = place.pk in open_ids  # type: ignore[attr-defined]
        place.kind_labels = pages.kind_labels(place.kinds)  # type: ignore[attr-defined]
        place.service_labels = pages.service_labels(place.services)  # type: ignore[attr-defined]
    return render(
        request,
        "places/list.html",
        {
            "form": form,
            "places": places,
            "map": pages.map_data(places),
            "map_config": {
                "tiles": settings.BOCAGE_MAP_TILES_URL,
                "attribution": settings.BOCAGE_MAP_TILES_ATTRIBUTION,
            },
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = _place(request, pk)
    open_now, exceptions = catalogue.opening_summary(place, now=timezone.now())  # before weekly_hours: rules
    return render(
        request,
        "places/detail.html",
        {
            "place": place,
            "kinds": pages.kind_labels(place.kinds),
            "services": pages.service_labels(place.services),
            "hours": pages.weekly_hours(place),
            "open_now": open_now,
            "exceptions": exceptions,
            "resources": pages.place_resources(place),
            "photos": list(place.photos.all()),
            "manages": pages.managed_places_qs(request.user).filter(pk=place.pk).exists(),
        },
    )


def place_week(request: HttpRequest, pk: int) -> HttpResponse:
    place = _place(request, pk)
    form = WeekForm(request.GET or None)
    today = timezone.localdate()
    day = form.cleaned_data["date"] if form.is_bound and form.is_valid() and form.cleaned_data["date"] else today
    first, last = pages.week_start(today) - dt.timedelta(weeks=WEEKS_BACK), today + dt.timedelta(weeks=WEEKS_AHEAD)
    day = min(max(day, first), last)
    monday = pages.week_start(day)
    resources = pages.place_resources(place)
    previous = monday - dt.timedelta(weeks=1)
    following = monday + dt.timedelta(weeks=1)
    return render(
        request,
        "places/week.html",
        {
            "place": place,
            "form": form,
            "monday": monday,
            "days": [monday + dt.timedelta(days=i) for i in range(7)],
            "rows": pages.place_week(place, monday, resources),
            "previous": previous if previous >= pages.week_start(first) else None,
            "following": following if following <= last else None,
            "today": today,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


urlpatterns = [
    path("places/", place_list, name="place-list"),
    path("places/<int:pk>/", place_detail, name="place-detail"),
    path("places/<int:pk>/week/", place_week, name="place-week"),
]
