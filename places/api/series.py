"""API of recurring bookings (a contract: paths and fields).

POST /api/places/resources/{id}/series/ (Idempotency-Key) books the resource every week on one
weekday, local wall times, for a term of at most 53 weeks: 201 with the series, the occurrences
booked and the conflicts (each refused date with the refusal's code and message). The same key and
body again answer the first answer and book nothing more. GET /api/booking-series/{id}/ reads it
(its member, the place's managers, staff, auditors; 404 for anyone else); POST
/api/booking-series/{id}/cancel/ cancels every occurrence not yet started.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import checked_id, valid
from core.errors import PermissionDenied
from core.idempotency import HEADER, caller_id, idempotency_key_from, ledger_key, run_idempotent
from members.selectors import member_or_none
from places.api.bookings import (
    IDEMPOTENCY_HEADER,
    OPTIONAL_IDEMPOTENCY_HEADER,
    REFUSAL_CODES,
    AwareDateTimeField,
    refusal,
)
from places.errors import ResourceNotFound
from places.models import Booking, BookingSeries, Resource
from places.selectors.series import series_get_visible
from places.services.series import Conflict, booking_series_cancel, booking_series_create


def _bookable_resource(resource_id: int) -> Resource:
    resource = Resource.objects.select_related("place").filter(pk=resource_id, place__public=True, active=True).first()
    if resource is None:
        raise ResourceNotFound()
    return resource


def _maybe_idempotent(request: Request, handler: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER, "").strip() and idempotency_key_from(request)
    return run_idempotent(request, key, handler) if key else handler()


SERIES_REFUSALS = "series_too_long, series_empty, idempotency_key_reused"


class SeriesInputSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=1, max_value=7, help_text="ISO weekday: 1 Monday … 7 Sunday.")
    start_time = serializers.TimeField(help_text="Local wall time (Europe/Paris), e.g. 18:00.")
    end_time = serializers.TimeField(help_text="Local wall time (Europe/Paris), e.g. 21:00.")
    first_date = serializers.DateField()
    last_date = serializers.DateField()
    seats = serializers.IntegerField(min_value=1, max_value=10_000, required=False, default=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end_time"] <= attrs["start_time"]:
            raise serializers.ValidationError({"end_time": [_("The end must come after the start.")]})
        if attrs["last_date"] < attrs["first_date"]:
            raise serializers.ValidationError({"last_date": [_("The last date comes on or after the first.")]})
        return attrs


class OccurrenceSerializer(serializers.ModelSerializer):
    start = AwareDateTimeField(read_only=True)
    end = AwareDateTimeField(read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "start", "end", "status"]


class ConflictSerializer(serializers.Serializer):
    date = serializers.DateField()
    code = serializers.CharField()
    message = serializers.CharField()


class SeriesSerializer(serializers.ModelSerializer):
    bookings = serializers.SerializerMethodField()

    class Meta:
        model = BookingSeries
        fields = [
            "id",
            "resource",
            "weekday",
            "start_time",
            "end_time",
            "first_date",
            "last_date",
            "seats",
            "created_at",
            "cancelled_at",
            "bookings",
        ]

    @extend_schema_field(OccurrenceSerializer(many=True))
    def get_bookings(self, obj: BookingSeries) -> list[dict[str, Any]]:
        return list(OccurrenceSerializer(obj.bookings.order_by("start", "id"), many=True).data)


SeriesCreatedSerializer = inline_serializer(
    name="BookingSeriesCreated",
    fields={
        "series": serializers.IntegerField(),
        "bookings": OccurrenceSerializer(many=True),
        "conflicts": ConflictSerializer(many=True),
    },
)


class ResourceSeriesView(APIView):
    @extend_schema(
        request=SeriesInputSerializer,
        responses={201: SeriesCreatedSerializer, 422: refusal(SERIES_REFUSALS)},
        parameters=[IDEMPOTENCY_HEADER],
        description="Book the resource every `weekday` from `start_time` to `end_time` (local wall times, kept "
        "across clock changes) from `first_date` to `last_date`, at most 53 occurrences. Each occurrence is an "
        "ordinary booking, checked and held like one; a date refused is listed in `conflicts` with the refusal's "
        f"code ({REFUSAL_CODES}), the others are booked. 404 for an unknown resource.",
    )
    def post(self, request: Request, pk: int) -> Response:
        key = idempotency_key_from(request)
        member = member_or_none(request.user)
        if member is None:
            raise PermissionDenied(_("Only members may book."))
        resource = _bookable_resource(checked_id(pk))
        data = valid(SeriesInputSerializer, request.data)

        def handler() -> Response:
            result = booking_series_create(
                resource=resource,
                member=member,
                actor=request.user,
                idempotency_key=ledger_key(caller_id(request), key),
                **data,
            )
            body = {
                "series": result.series.pk,
                "bookings": OccurrenceSerializer(result.booked, many=True).data,
                "conflicts": [_conflict(c) for c in result.conflicts],
            }
            return Response(body, status=status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler)


def _conflict(conflict: Conflict) -> dict[str, str]:
    return {"date": conflict.date.isoformat(), "code": conflict.code, "message": conflict.message}


class SeriesDetailView(APIView):
    @extend_schema(responses=SeriesSerializer, description="A weekly series and its occurrences.")
    def get(self, request: Request, pk: int) -> Response:
        return Response(SeriesSerializer(series_get_visible(request.user, checked_id(pk))).data)


class SeriesCancelView(APIView):
    @extend_schema(
        request=None,
        responses={200: SeriesSerializer},
        parameters=[OPTIONAL_IDEMPOTENCY_HEADER],
        description="Cancel every occurrence not yet started (each as a booking's cancellation: free before "
        "its deadline). By the series' member, a manager of the place or staff; repeating it cancels nothing more.",
    )
    def post(self, request: Request, pk: int) -> Response:
        series = series_get_visible(request.user, checked_id(pk))

        def handler() -> Response:
            done = booking_series_cancel(series=series, actor=request.user)
            return Response(SeriesSerializer(done).data)

        return _maybe_idempotent(request, handler)


urlpatterns = [
    path("places/resources/<int:pk>/series/", ResourceSeriesView.as_view(), name="api-resource-series"),
    path("booking-series/<int:pk>/", SeriesDetailView.as_view(), name="api-booking-series"),
    path("booking-series/<int:pk>/cancel/", SeriesCancelView.as_view(), name="api-booking-series-cancel"),
]
