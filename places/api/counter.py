"""API of bookings at the counter: a manager of the place books for a guest who is not a member,
paid in euros when they come (places.services.counter). Needs an Idempotency-Key, as POST
/api/bookings/ does; answers the booking (`member` null, `guest_name` shown to managers only).
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import valid
from core.errors import PermissionDenied
from core.idempotency import caller_id, idempotency_key_from, ledger_key, run_idempotent
from places.api.bookings import (
    IDEMPOTENCY_HEADER,
    AwareDateTimeField,
    BookingSerializer,
    _bookable_resource,
    _out,
    refusal,
)
from places.selectors.roles import managed_place_ids
from places.services import counter as services

COUNTER_REFUSAL_CODES = (
    "slot_unavailable, outside_opening_hours, invalid_duration, too_far_ahead, in_the_past, unit_not_accepted, "
    "members_only, idempotency_key_reused"
)


class CounterBookingInputSerializer(serializers.Serializer):
    resource = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    seats = serializers.IntegerField(min_value=1, max_value=10_000, required=False, default=1)
    guest_name = serializers.CharField(max_length=150, help_text="Who the booking is for (not a member).")
    guest_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default="", help_text="To call them if it is cancelled."
    )


class CounterBookingView(APIView):
    @extend_schema(
        request=CounterBookingInputSerializer,
        responses={201: BookingSerializer, 422: refusal(COUNTER_REFUSAL_CODES)},
        parameters=[IDEMPOTENCY_HEADER],
        description="A manager of the place (or staff) books a resource open to non-members for a guest, paid "
        "in euros at the counter: nothing is held; the euros are recorded at check-in. 403 for anyone else, 404 "
        f"for an unknown resource. Refusals (422): {COUNTER_REFUSAL_CODES}.",
    )
    def post(self, request: Request) -> Response:
        if not managed_place_ids(request.user):
            raise PermissionDenied(_("Only the place's managers may book for a guest."))
        key = idempotency_key_from(request)
        data = valid(CounterBookingInputSerializer, request.data)

        def handler() -> Response:
            booking = services.booking_create_at_counter(
                resource=_bookable_resource(data["resource"]),
                guest_name=data["guest_name"],
                guest_phone=data["guest_phone"],
                start=data["start"],
                end=data["end"],
                seats=data["seats"],
                actor=request.user,
                idempotency_key=ledger_key(caller_id(request), key),
            )
            return _out(request, booking, status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler)


urlpatterns = [path("bookings/counter/", CounterBookingView.as_view(), name="api-bookings-counter")]
