"""Reads of the places' pages: the directory and its map, a place's page and week, the managers' day.

Who sees which place is decided here: the public sees public places; a place's managers and the
staff see theirs even while it is being set up (not public yet).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES

from members.selectors import member_or_none
from places.availability import FreeInterval, free_intervals
from places.errors import PlaceNotFound, ResourceNotFound
from places.models import (
    Booking,
    CalendarFeed,
    OpeningException,
    OpeningRule,
    Place,
    PlaceKind,
    PlaceService,
    Resource,
    ResourcePrice,
)
from places.openings import local_zone, opening_intervals, wall_instant
from places.selectors.catalogue import opening_hours

WEEKDAYS = range(7)


def _can_see_hidden(user: Any) -> set[int] | None:
    """Ids of the non-public places `user` may see (None: all of them, for the staff)."""
    if user is None or not user.is_authenticated:
        return set()
    if user.is_staff:
        return None
    member = member_or_none(user)
    if member is None:
        return set()
    return set(member.place_roles.values_list("place_id", flat=True))


def map_data(places: list[Place]) -> dict[str, Any]:
    """What the map draws: one marker per place and, for the map without tiles, each commune's name
    where its places are (their mean position)."""
    by_commune: dict[str, list[Place]] = defaultdict(list)
    for place in places:
        by_commune[place.commune.name].append(place)
    return {
        "places": [
            {
                "id": place.pk,
                "name": place.name,
                "commune": place.commune.name,
                "lat": float(place.latitude),
                "lng": float(place.longitude),
                "url": reverse("place-detail", args=[place.pk]),
                "kinds": kind_labels(place.kinds),
            }
            for place in places
        ],
        "communes": [
            {
                "name": name,
                "lat": float(sum((p.latitude for p in group), Decimal(0)) / len(group)),
                "lng": float(sum((p.longitude for p in group), Decimal(0)) / len(group)),
            }
            for name, group in sorted(by_commune.items())
        ],
    }


def kind_labels(codes: list[str] | None) -> list[str]:
    labels = dict(PlaceKind.choices)
    return [str(labels[code]) for code in codes or [] if code in labels]


def service_labels(codes: list[str] | None) -> list[str]:
    labels = dict(PlaceService.choices)
    return [str(labels[code]) for code in codes or [] if code in labels]


def place_get_visible(user: Any, pk: int) -> Place:
    """The place `pk` if `user` may see it; PlaceNotFound otherwise."""
    place = Place.objects.select_related("commune").filter(pk=pk).first()
    if place is None:
        raise PlaceNotFound()
    if not place.public:
        hidden = _can_see_hidden(user)
        if hidden is not None and place.pk not in hidden:
            raise PlaceNotFound()
    return place


def resource_get_visible(user: Any, pk: int) -> Resource:
    """An active resource of a place `user` may see; ResourceNotFound otherwise."""
    resource = (
        Resource.objects.select_related("place__commune", "qualification")
        .prefetch_related("prices")
        .filter(pk=pk, active=True)
        .first()
    )
    if resource is None:
        raise ResourceNotFound()
    try:
        place_get_visible(user, resource.place_id)
    except PlaceNotFound:
        raise ResourceNotFound() from None
    return resource


def place_resources(place: Place) -> list[Resource]:
    return list(
        place.resources.filter(active=True)
        .select_related("qualification", "parent", "place")
        .prefetch_related(Prefetch("prices", queryset=ResourcePrice.objects.order_by("unit")))
        .order_by("name")
    )


@dataclass
class DayHours:
    weekday: int
    windows: list[tuple[dt.time, dt.time]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(WEEKDAY_NAMES[self.weekday])


def weekly_hours(place: Place, *, on: dt.date | None = None) -> list[DayHours]:
    """The weekly hours in force on `on` (today), Monday first, each day with its openings."""
    on = on or timezone.localdate()
    days = [DayHours(weekday) for weekday in WEEKDAYS]
    for hours in opening_hours(place, today=on):
        if hours.valid_from is None or hours.valid_from <= on:
            days[hours.weekday].windows.append((hours.opens, hours.closes))
    return days


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class WeekCell:
    day: dt.date
    free: list[FreeInterval]


@dataclass
class WeekRow:
    resource: Resource
    cells: list[WeekCell]


def place_week(place: Place, monday: dt.date, resources: list[Resource]) -> list[WeekRow]:
    """For each resource, for each day of the week from `monday`, its free intervals with seats."""
    start = wall_instant(monday, dt.time(0))
    end = wall_instant(monday + dt.timedelta(days=7), dt.time(0))
    rules = list(OpeningRule.objects.filter(place=place))
    exceptions = list(OpeningException.objects.filter(place=place, date__gte=monday, date__lt=monday + dt.timedelta(7)))
    zone = local_zone()
    rows = []
    for resource in resources:
        openings = opening_intervals(place, start, end, resource=resource, rules=rules, exceptions=exceptions)
        free = free_intervals(resource, start, end, openings=openings)
        by_day: dict[dt.date, list[FreeInterval]] = defaultdict(list)
        for interval in free:
            by_day[interval.start.astimezone(zone).date()].append(interval)
        rows.append(
            WeekRow(
                resource,
                [WeekCell(monday + dt.timedelta(days=i), by_day[monday + dt.timedelta(days=i)]) for i in range(7)],
            )
        )
    return rows


def time_label(moment: dt.datetime) -> str:
    """A local wall time as the site writes it: 09:00."""
    return formats.time_format(timezone.localtime(moment), "H:i")


def managed_places_qs(user: Any) -> QuerySet[Place]:
    """The places `user` manages (staff: all)."""
    if user is None or not user.is_authenticated:
        return Place.objects.none()
    if user.is_staff:
        return Place.objects.all()
    member = member_or_none(user)
    if member is None:
        return Place.objects.none()
    return Place.objects.filter(manager_roles__member=member)


# A weekly series a year ahead is some fifty bookings: the page shows the soonest 200, read no more.
UPCOMING_SHOWN = 200


def member_bookings(member: Any, *, now: dt.datetime | None = None) -> tuple[list[Booking], list[Booking]]:
    """A member's own bookings: upcoming (not ended, the soonest 200) and past (latest first, the last 50)."""
    now = now or timezone.now()
    bookings = Booking.objects.filter(member=member).select_related("resource__place__commune", "hold")
    upcoming = list(bookings.filter(end__gt=now).order_by("start", "pk")[:UPCOMING_SHOWN])
    past = list(bookings.filter(end__lte=now).order_by("-start", "-pk")[:50])
    return upcoming, past


def member_calendar_feed(member: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(member=member).first()


def bookings_of_days(bookings: QuerySet[Booking], first: dt.date, days: int) -> list[Booking]:
    """Of `bookings` (already those the reader may see), those over the local days `[first, first + days)`."""
    start = wall_instant(first, dt.time(0))
    end = wall_instant(first + dt.timedelta(days=days), dt.time(0))
    return list(
        bookings.filter(start__lt=end, end__gt=start)
        .select_related("resource", "member__commune", "hold")
        .order_by("start", "resource__name", "pk")
    )
