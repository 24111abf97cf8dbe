"""`GET /api/places/occupancy/?month=YYYY-MM`: the network's occupancy as open data (public).

Seat-hours open and booked, and the rate, per place, per kind of resource, per commune and in
total, for one month in local time, and the attendance (check-ins per place and per local day);
the definitions are places/selectors/occupancy.py's. No member is ever named here: only places,
kinds, communes and counts of check-ins.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput
from places.selectors.occupancy import Figures, MonthOccupancy, month_of, occupancy_for_month

MONTH_PATTERN = re.compile(r"^([0-9]{4})-([0-9]{2})$")
# Bookings exist from the first place's opening; a month outside these years is a typing mistake.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_month(raw: str | None) -> dt.date:
    """`YYYY-MM` → the month's first day; blank → the current local month. Raises InvalidInput."""
    if raw is None or not raw.strip():
        return month_of()
    match = MONTH_PATTERN.match(raw.strip())
    if match is None or not (FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR) or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput(
            _("The month is written YYYY-MM, e.g. 2026-03."),
            fields={"month": [_("Write the month as YYYY-MM, e.g. 2026-03.")]},
        )
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


class OccupancyFiguresSerializer(serializers.Serializer):
    hours_open = serializers.CharField(help_text="Seat-hours open (opening hours × capacity), e.g. “1234.50”.")
    hours_booked = serializers.CharField(help_text="Seat-hours booked within the openings, e.g. “517.00”.")
    rate = serializers.CharField(
        allow_null=True, help_text="Percent of the seat-hours open that were booked, e.g. “41.9”; null if none open."
    )


class OccupancyKindSerializer(OccupancyFiguresSerializer):
    kind = serializers.CharField(help_text="Resource kind code: desk, office, meeting_room, room, machine, equipment.")


class OccupancyCommuneSerializer(OccupancyFiguresSerializer):
    commune = serializers.CharField()
    postal_code = serializers.CharField()


class AttendanceDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A local day (Europe/Paris).")
    check_ins = serializers.IntegerField(help_text="Bookings checked in at the place that day.")


class OccupancyPlaceSerializer(OccupancyFiguresSerializer):
    place = serializers.IntegerField(help_text="The place's id (see /api/places/).")
    name = serializers.CharField(help_text="The place's name.")
    commune = serializers.CharField()
    kinds = OccupancyKindSerializer(many=True)
    check_ins = serializers.IntegerField(help_text="Bookings checked in at the place during the month.")
    attendance = AttendanceDaySerializer(
        many=True, help_text="Check-ins per local day: only the days with at least one, in order. Counts only."
    )


class OccupancySerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    time_zone = serializers.CharField(help_text="The months are in this local time, e.g. “Europe/Paris”.")
    total = OccupancyFiguresSerializer()
    check_ins = serializers.IntegerField(help_text="Bookings checked in in the whole network during the month.")
    places = OccupancyPlaceSerializer(many=True)
    kinds = OccupancyKindSerializer(many=True)
    communes = OccupancyCommuneSerializer(many=True)


def _figures(figures: Figures) -> dict[str, Any]:
    return {
        "hours_open": str(figures.hours_open),
        "hours_booked": str(figures.hours_booked),
        "rate": None if figures.rate is None else str(figures.rate),
    }


def occupancy_data(occupancy: MonthOccupancy) -> dict[str, Any]:
    return {
        "month": occupancy.iso,
        "time_zone": settings.TIME_ZONE,
        "total": _figures(occupancy.total),
        "check_ins": occupancy.check_ins,
        "places": [
            {
                "place": line.place_id,
                "name": line.name,
                "commune": line.commune,
                **_figures(line),
                "kinds": [{"kind": kind.kind, **_figures(kind)} for kind in line.kinds],
                "check_ins": line.check_ins,
                "attendance": [{"date": day.date.isoformat(), "check_ins": day.check_ins} for day in line.attendance],
            }
            for line in occupancy.places
        ],
        "kinds": [{"kind": line.kind, **_figures(line)} for line in occupancy.kinds],
        "communes": [
            {"commune": line.commune, "postal_code": line.postal_code, **_figures(line)} for line in occupancy.communes
        ],
    }


class OccupancyView(APIView):
    """The network's occupancy for a month: seat-hours open, booked, and the rate; never a name."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="places_occupancy",
        parameters=[
            OpenApiParameter(
                "month",
                OpenApiTypes.STR,
                description="The month, YYYY-MM, in local time (Europe/Paris). Default: the current month.",
                pattern=r"^\d{4}-\d{2}$",
            )
        ],
        # 400 (a month not YYYY-MM, code `invalid`) is documented for every operation (config/schema.py).
        responses={200: OccupancySerializer},
    )
    def get(self, request: Request) -> Response:
        month = parse_month(request.query_params.get("month"))
        return Response(occupancy_data(occupancy_for_month(month)))


urlpatterns = [
    path("places/occupancy/", OccupancyView.as_view(), name="api-places-occupancy"),
]
