"""A resource's free intervals: `GET /api/resources/{id}/availability/?start=ISO&end=ISO` (public).

`start` and `end` are ISO 8601 with an offset (a naive time is refused: 400, since a wall time is
ambiguous on the night clocks go back); a `+` sent unencoded in a query string arrives as a space
and is read back as `+`. Times in the answer are in Paris local time with their offset
("2026-03-27T09:00:00+01:00"). At most 31 days per request (`range_too_long`), from a year back to a
year ahead (`range_out_of_bounds`): the booking horizon limits booking only.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import checked_id
from core.errors import InvalidInput
from places.availability import free_intervals
from places.errors import AvailabilityOutOfBounds, AvailabilityRangeTooLong
from places.openings import local_zone
from places.selectors.catalogue import public_resource_get

MAX_AVAILABILITY_DAYS = 31
READABLE_DAYS = 366  # a year ahead (and back), a leap year included


def local_iso(moment: dt.datetime) -> str:
    """An instant in Paris local time with its offset: "2026-03-27T09:00:00+01:00"."""
    return moment.astimezone(local_zone()).isoformat(timespec="seconds")


UNENCODED_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")


def _instant_param(params: Any, name: str) -> dt.datetime:
    raw = params.get(name, "").strip()
    if not raw:
        raise InvalidInput(fields={name: [_("This parameter is required.")]})
    raw = UNENCODED_OFFSET.sub(r"+\1", raw)
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidInput(fields={name: [_("Give a date and time in ISO 8601, e.g. 2026-03-27T09:00:00+01:00.")]})
    if moment.tzinfo is None:
        raise InvalidInput(
            fields={name: [_("Give the time with its offset, e.g. 2026-03-27T09:00:00+01:00 (+02:00 in summer).")]}
        )
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        raise AvailabilityOutOfBounds() from None


class FreeIntervalSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="Paris local time with its offset, e.g. 2026-03-27T09:00:00+01:00.")
    end = serializers.CharField(help_text="Paris local time with its offset (exclusive).")
    seats = serializers.IntegerField(help_text="Seats still free over the whole interval.")


class AvailabilitySerializer(serializers.Serializer):
    resource = serializers.IntegerField()
    start = serializers.CharField()
    end = serializers.CharField()
    free = FreeIntervalSerializer(many=True)


START_HELP = "ISO 8601 with offset, e.g. 2026-03-27T09:00:00+01:00."


class ResourceAvailabilityView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, required=True, description=START_HELP),
            OpenApiParameter("end", OpenApiTypes.DATETIME, required=True, description="ISO 8601 with offset."),
        ],
        responses={200: AvailabilitySerializer},
        description="The free intervals of a resource within [start, end) with the seats left: openings minus "
        "closures, bookings and buffers (booking the parent or a child takes the whole). At most 31 days, up to "
        "a year ahead; the booking horizon and lead time do not apply here. 400: malformed or naive times, "
        "or end not after start (`invalid`), more than 31 days (`range_too_long`), "
        "beyond a year ahead or back (`range_out_of_bounds`); "
        "404: no such resource (or not public).",
    )
    def get(self, request: Request, pk: int) -> Response:
        resource = public_resource_get(checked_id(pk))
        params = request.query_params
        start, end = _instant_param(params, "start"), _instant_param(params, "end")
        if end <= start:
            raise InvalidInput(fields={"end": [_("The end must be after the start.")]})
        if end - start > dt.timedelta(days=MAX_AVAILABILITY_DAYS):
            raise AvailabilityRangeTooLong()
        now = timezone.now()
        if end > now + dt.timedelta(days=READABLE_DAYS) or start < now - dt.timedelta(days=READABLE_DAYS):
            raise AvailabilityOutOfBounds()
        free = free_intervals(resource, start, end)
        return Response(
            {
                "resource": resource.pk,
                "start": local_iso(start),
                "end": local_iso(end),
                "free": [{"start": local_iso(f.start), "end": local_iso(f.end), "seats": f.seats} for f in free],
            }
        )


urlpatterns = [
    path("resources/<int:pk>/availability/", ResourceAvailabilityView.as_view(), name="api-resource-availability"),
]
