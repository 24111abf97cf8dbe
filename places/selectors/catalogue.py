"""Reads of the public catalogue: the places of the network and what they offer.

Only public places are listed (a place being set up is not), and of them only the active
resources. Nothing here carries personal data: managers and bookers are never named.
`kinds` and `services` are JSON lists of codes; PostgreSQL filters them with `@>` (`contains`),
SQLite has no such lookup, so there the few places of the network are filtered in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from members.models import Commune
from places.errors import PlaceNotFound, ResourceNotFound
from places.models import OpeningException, OpeningRule, Place, Resource, ResourcePrice
from places.openings import local_zone, opening_intervals, to_utc


def _json_list_has(queryset: QuerySet[Place], field: str, code: str) -> QuerySet[Place]:
    if connection.vendor == "postgresql":
        return queryset.filter(**{f"{field}__contains": [code]})
    ids = [pk for pk, codes in queryset.values_list("pk", field) if isinstance(codes, list) and code in codes]
    return queryset.filter(pk__in=ids)


def public_places(
    *, commune: Commune | int | None = None, kind: str | None = None, service: str | None = None
) -> QuerySet[Place]:
    """Public places by name, filtered by commune (id), kind and service (codes)."""
    queryset = Place.objects.filter(public=True).select_related("commune")
    if commune is not None:
        queryset = queryset.filter(commune_id=commune.pk if isinstance(commune, Commune) else int(commune))
    if kind:
        queryset = _json_list_has(queryset, "kinds", kind)
    if service:
        queryset = _json_list_has(queryset, "services", service)
    return queryset.prefetch_related(
        Prefetch("resources", queryset=Resource.objects.filter(active=True).only("id", "place_id", "name")),
        "opening_rules",
        "photos",
    ).order_by("name", "id")


def public_place_get(place_id: int) -> Place:
    """A public place. Raises PlaceNotFound (also for a place that is not public)."""
    try:
        return public_places().get(pk=place_id)
    except Place.DoesNotExist:
        raise PlaceNotFound() from None


def public_resources(
    *, place: Place | int | None = None, kind: str | None = None, min_capacity: int | None = None
) -> QuerySet[Resource]:
    """Active resources of public places, by place then name."""
    queryset = Resource.objects.filter(active=True, place__public=True).select_related("place", "qualification")
    if place is not None:
        queryset = queryset.filter(place_id=place.pk if isinstance(place, Place) else int(place))
    if kind:
        queryset = queryset.filter(kind=kind)
    if min_capacity is not None:
        queryset = queryset.filter(capacity__gte=min_capacity)
    return queryset.prefetch_related(Prefetch("prices", queryset=ResourcePrice.objects.order_by("unit"))).order_by(
        "place__name", "name", "id"
    )


def public_resource_get(resource_id: int) -> Resource:
    """An active resource of a public place. Raises ResourceNotFound."""
    try:
        return public_resources().get(pk=resource_id)
    except Resource.DoesNotExist:
        raise ResourceNotFound() from None


# --- opening hours, for display -----------------------------------------------------------------


@dataclass(frozen=True)
class OpeningHours:
    """One weekly opening in local wall time (weekday 0 is Monday)."""

    weekday: int
    opens: dt.time
    closes: dt.time
    valid_from: dt.date | None
    valid_until: dt.date | None


def opening_hours(place: Place, *, today: dt.date | None = None) -> list[OpeningHours]:
    """The weekly openings still to come (a season already over is left out), by weekday and time.

    Uses `place.opening_rules` when prefetched (the list of places reads them in one query).
    """
    today = today or timezone.localdate()
    rules: Iterable[OpeningRule] = place.opening_rules.all()
    hours = [
        OpeningHours(rule.weekday, rule.opens, rule.closes, rule.valid_from, rule.valid_until)
        for rule in rules
        if rule.valid_until is None or rule.valid_until >= today
    ]
    return sorted(hours, key=lambda h: (h.weekday, h.opens, h.valid_from or dt.date.min))


def upcoming_exceptions(place: Place, *, days: int = 60, today: dt.date | None = None) -> list[OpeningException]:
    """The place's exceptional closures and openings of the coming `days` (those of the whole place
    and of one resource), by date."""
    today = today or timezone.localdate()
    return _exceptions_between(place, today, today + dt.timedelta(days=days))


def _exceptions_between(place: Place, first: dt.date, last: dt.date) -> list[OpeningException]:
    """The place's exceptions (its own and its resources') from `first` to `last` inclusive, by date."""
    return list(
        OpeningException.objects.filter(place=place, date__gte=first, date__lte=last)
        .select_related("resource")
        .order_by("date", "opens", "id")
    )


def _open_at(
    place: Place, moment: dt.datetime, rules: list[OpeningRule], exceptions: Sequence[OpeningException]
) -> bool:
    """Open at `moment`, given the place's rules and its whole-place exceptions of the day either side
    (an opening past midnight belongs to the day before in local time)."""
    return bool(opening_intervals(place, moment, moment + dt.timedelta(seconds=1), rules=rules, exceptions=exceptions))


def open_place_ids(places: Sequence[Place], *, now: dt.datetime | None = None) -> set[int]:
    """Which of `places` are open at `now` ("ouvert maintenant"), in two queries for all of them."""
    moment = to_utc(now or timezone.now())
    ids = [place.pk for place in places]
    today = moment.astimezone(local_zone()).date()
    rules: dict[int, list[OpeningRule]] = {pk: [] for pk in ids}
    for rule in OpeningRule.objects.filter(place_id__in=ids):
        rules[rule.place_id].append(rule)
    exceptions: dict[int, list[OpeningException]] = {pk: [] for pk in ids}
    # A day either side: an opening past midnight belongs to the day before in local time.
    for exception in OpeningException.objects.filter(
        Q(resource__isnull=True),
        place_id__in=ids,
        date__gte=today - dt.timedelta(days=1),
        date__lte=today + dt.timedelta(days=1),
    ):
        exceptions[exception.place_id].append(exception)
    return {place.pk for place in places if _open_at(place, moment, rules[place.pk], exceptions[place.pk])}


def opening_summary(
    place: Place, *, now: dt.datetime | None = None, days: int = 60
) -> tuple[bool, list[OpeningException]]:
    """For a place's page: whether it is open at `now`, and its exceptions of the coming `days` (as
    upcoming_exceptions), in two queries: its weekly rules, prefetched onto `place` (opening_hours
    then reads them from there), and its exceptions from the day before today on."""
    moment = to_utc(now or timezone.now())
    today = moment.astimezone(local_zone()).date()
    prefetch_related_objects([place], "opening_rules")
    around = _exceptions_between(place, today - dt.timedelta(days=1), today + dt.timedelta(days=days))
    whole_place = [e for e in around if e.resource_id is None and e.date <= today + dt.timedelta(days=1)]
    is_open = _open_at(place, moment, list(place.opening_rules.all()), whole_place)
    return is_open, [e for e in around if e.date >= today]


def is_open_now(place: Place, *, now: dt.datetime | None = None) -> bool:
    """True when `place` is open at `now` (default: now)."""
    return place.pk in open_place_ids([place], now=now)
