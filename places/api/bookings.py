"""API of bookings (a contract: paths and fields): book, read, cancel, check in, mark a no-show.

POST /api/bookings/ needs an Idempotency-Key header: the same key and body again answer the first
answer (`Idempotent-Replayed: true`) and book nothing more; another body with that key is refused
(422 idempotency_key_reused). Times travel with their offset (ISO 8601) and are answered in
Europe/Paris; a time without an offset is malformed (400). A booking the caller may not see
answers 404: they see their own, the managers of its place, staff and auditors see it.
Cancel, check-in and no-show answer 200 with the booking, unchanged when repeated.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import checked_id, valid
from core.errors import InvalidInput, PermissionDenied
from core.idempotency import HEADER, caller_id, idempotency_key_from, ledger_key, run_idempotent
from ledger.api.serializers import as_decimal_text
from members.selectors import member_or_none
from places.api.availability import START_HELP, _instant_param
from places.errors import ResourceNotFound
from places.models import Booking, Resource
from places.selectors.bookings import booking_get_visible, bookings_visible_to, cancel_deadline, cancellation_fee
from places.selectors.quote import booking_quote
from places.selectors.roles import is_place_manager
from places.services import bookings as services

KEY_NO_PERSONAL_DATA = "Never put personal data in it (no name, e-mail or phone number): it is kept with the booking."
IDEMPOTENCY_HEADER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=f"A unique key per booking, e.g. a random UUID. {KEY_NO_PERSONAL_DATA}",
)
OPTIONAL_IDEMPOTENCY_HEADER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=f"Optional: a retry with the same key gets the first answer. {KEY_NO_PERSONAL_DATA}",
)
REFUSAL_CODES = (
    "slot_unavailable, outside_opening_hours, invalid_duration, too_far_ahead, in_the_past, unit_not_accepted, "
    "qualification_required, insufficient_funds, membership_expired, idempotency_key_reused"
)


BookingErrorSerializer = inline_serializer(
    name="BookingError",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(required=False),
    },
)


def refusal(codes: str) -> OpenApiResponse:
    return OpenApiResponse(BookingErrorSerializer, description=f"Refused by a rule: `code` is one of {codes}.")


@extend_schema_field({"type": "object", "properties": {"amount": {"type": "string"}, "unit": {"type": "string"}}})
class PriceField(serializers.Field):
    """An amount in minor units of the booking's unit, as `{"amount": "6.00", "unit": "ACH"}`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return (super().get_attribute(instance), instance.unit)

    def to_representation(self, value: Any) -> dict[str, str]:
        minor, unit = value
        return {"amount": as_decimal_text(minor, unit), "unit": unit}


@extend_schema_field({"type": "string", "format": "date-time"})
class AwareDateTimeField(serializers.Field):
    """An ISO 8601 time with its offset (`2027-03-29T10:00:00+02:00`); a time without one is malformed."""

    default_error_messages = {
        "invalid": gettext_lazy("An ISO 8601 date and time, e.g. 2027-03-29T10:00:00+02:00."),
        "naive": gettext_lazy("Give the time with its offset (+01:00, +02:00 or Z)."),
    }

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            parsed = parse_datetime(data.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        if timezone.is_naive(parsed):
            self.fail("naive")
        return parsed

    def to_representation(self, value: Any) -> str:
        return timezone.localtime(value).isoformat()


class MemberRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class BookingSerializer(serializers.ModelSerializer):
    start = AwareDateTimeField(read_only=True)
    end = AwareDateTimeField(read_only=True)
    place = serializers.IntegerField(source="resource.place_id", read_only=True)
    member = MemberRefSerializer(read_only=True, allow_null=True, help_text="null for a guest booked at the counter.")
    guest_name = serializers.SerializerMethodField(
        help_text="A guest booked at the counter: their name, for the place's managers and staff only (else null)."
    )
    guest_phone = serializers.SerializerMethodField(
        help_text="A guest booked at the counter: their phone, for the place's managers and staff only (else null)."
    )
    status = serializers.CharField(read_only=True, help_text="confirmed, checked_in, completed, cancelled or no_show")
    price = PriceField(help_text="Held when booked: per step and per seat × the steps × the seats.")
    fee = PriceField(help_text="What a late cancellation or a no-show kept.")
    cancel_deadline = serializers.SerializerMethodField(help_text="Until when the member cancels for free.")
    credits = serializers.SerializerMethodField(
        help_text="What the member's credits pay, held then captured at check-in: a plan's allowance, a carnet "
        "(CRH hours, CRJ days). `price` is the money part only."
    )
    fee_if_cancelled_now = serializers.SerializerMethodField(
        help_text="What a cancellation by the member would keep now (0 before the deadline)."
    )

    class Meta:
        model = Booking
        fields = [
            "id",
            "resource",
            "place",
            "member",
            "guest_name",
            "guest_phone",
            "start",
            "end",
            "seats",
            "status",
            "price",
            "hold",
            "fee",
            "cancel_deadline",
            "fee_if_cancelled_now",
            "created_at",
            "checked_in_at",
            "cancelled_at",
            "cancel_reason",
            "settled_at",
            "credits",
        ]

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "source": {"type": "string", "enum": ["allowance", "carnet"]},
                    "unit": {"type": "string"},
                    "amount": {"type": "string"},
                },
            },
        }
    )
    def get_credits(self, obj: Booking) -> list[dict[str, str]]:
        return [
            {"source": credit.source, "unit": credit.unit, "amount": as_decimal_text(credit.amount, credit.unit)}
            for credit in sorted(obj.credits.all(), key=lambda credit: credit.pk)
        ]

    def _shows_guest(self, obj: Booking) -> bool:
        request = self.context.get("request")
        return obj.member_id is None and request is not None and is_place_manager(request.user, obj.resource.place_id)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_guest_name(self, obj: Booking) -> str | None:
        return obj.guest_name if self._shows_guest(obj) else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_guest_phone(self, obj: Booking) -> str | None:
        return obj.guest_phone if self._shows_guest(obj) else None

    @extend_schema_field({"type": "string", "format": "date-time"})
    def get_cancel_deadline(self, obj: Booking) -> str:
        return timezone.localtime(cancel_deadline(obj)).isoformat()

    @extend_schema_field({"type": "object", "properties": {"amount": {"type": "string"}, "unit": {"type": "string"}}})
    def get_fee_if_cancelled_now(self, obj: Booking) -> dict[str, str]:
        return {"amount": as_decimal_text(cancellation_fee(obj), obj.unit), "unit": obj.unit}


class BookingInputSerializer(serializers.Serializer):
    resource = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    seats = serializers.IntegerField(min_value=1, max_value=10_000, required=False, default=1)
    unit = serializers.CharField(
        max_length=8, required=False, allow_null=True, default=None, help_text="Without it: the resource's first price."
    )


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


def _out(request: Request, booking: Booking, code: int = status.HTTP_200_OK) -> Response:
    fresh = booking_get_visible(request.user, booking.pk)
    return Response(BookingSerializer(fresh, context={"request": request}).data, status=code)


def _bookable_resource(resource_id: int) -> Resource:
    resource = Resource.objects.select_related("place").filter(pk=resource_id, place__public=True, active=True).first()
    if resource is None:
        raise ResourceNotFound()
    return resource


class BookingListView(generics.ListAPIView):
    serializer_class = BookingSerializer

    def get_queryset(self) -> QuerySet[Booking]:
        place = self.request.query_params.get("place")
        if place is None:
            return (
                bookings_visible_to(self.request.user)
                .filter(member__user_id=caller_id(self.request))
                .prefetch_related("credits")
            )
        if not place.isdigit() or not 0 < int(place) < 2**63:
            raise InvalidInput(fields={"place": [_("A place id.")]})
        return bookings_visible_to(self.request.user, place=int(place)).prefetch_related("credits")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "place",
                OpenApiTypes.INT,
                required=False,
                description="A place's bookings: all of them for its managers, staff and auditors; "
                "your own there for anyone else.",
            )
        ],
        description="Your bookings, by start; with `place`, that place's bookings you may see.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=BookingInputSerializer,
        responses={201: BookingSerializer, 422: refusal(REFUSAL_CODES)},
        parameters=[IDEMPOTENCY_HEADER],
        description="Book `seats` of a resource for [start, end): the price is held on your account towards "
        "the place's until check-in or the end. A booking starts at an opening time or a whole number of steps "
        f"after it. 404 for an unknown resource. Refusals (422): {REFUSAL_CODES}.",
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_from(request)
        data = valid(BookingInputSerializer, request.data)
        member = member_or_none(request.user)
        if member is None:
            raise PermissionDenied(_("Only members may book."))

        def handler() -> Response:
            booking = services.booking_create(
                resource=_bookable_resource(data["resource"]),
                member=member,
                start=data["start"],
                end=data["end"],
                seats=data["seats"],
                unit=data["unit"],
                actor=request.user,
                idempotency_key=ledger_key(caller_id(request), key),
            )
            return _out(request, booking, status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler)


class BookingDetailView(APIView):
    @extend_schema(responses=BookingSerializer, description="A booking (its member, the place's managers, auditors).")
    def get(self, request: Request, pk: int) -> Response:
        return _out(request, booking_get_visible(request.user, checked_id(pk)))


def _maybe_idempotent(request: Request, handler: Any) -> Response:
    key = request.headers.get(HEADER, "").strip() and idempotency_key_from(request)
    return run_idempotent(request, key, handler) if key else handler()


class BookingCancelView(APIView):
    @extend_schema(
        request=CancelInputSerializer,
        responses={200: BookingSerializer, 422: refusal("booking_not_cancellable")},
        parameters=[OPTIONAL_IDEMPOTENCY_HEADER],
        description="Cancel: the member before the start (free until the deadline, then the late fee is kept "
        "and the rest released); a manager of the place or staff at any time before it is settled (free, the "
        "member is told with the reason). Repeating it answers the cancelled booking.",
    )
    def post(self, request: Request, pk: int) -> Response:
        booking = booking_get_visible(request.user, checked_id(pk))
        data = valid(CancelInputSerializer, request.data)
        return _maybe_idempotent(
            request, lambda: _out(request, services.booking_cancel(booking=booking, actor=request.user, **data))
        )


class BookingCheckInView(APIView):
    @extend_schema(
        request=None,
        responses={200: BookingSerializer, 422: refusal("check_in_not_allowed")},
        parameters=[OPTIONAL_IDEMPOTENCY_HEADER],
        description="A manager of the place (or staff) checks the member in, from 30 minutes before the start "
        "to the end: the hold is captured in full. 403 for the member themself.",
    )
    def post(self, request: Request, pk: int) -> Response:
        booking = booking_get_visible(request.user, checked_id(pk))
        return _maybe_idempotent(
            request, lambda: _out(request, services.booking_check_in(booking=booking, actor=request.user))
        )


class BookingNoShowView(APIView):
    @extend_schema(
        request=None,
        responses={200: BookingSerializer, 422: refusal("no_show_not_allowed")},
        parameters=[OPTIONAL_IDEMPOTENCY_HEADER],
        description="A manager of the place (or staff), after the start of a booking not yet settled: the late "
        "fee is kept, the rest released. 403 for the member themself.",
    )
    def post(self, request: Request, pk: int) -> Response:
        booking = booking_get_visible(request.user, checked_id(pk))
        return _maybe_idempotent(
            request, lambda: _out(request, services.booking_mark_no_show(booking=booking, actor=request.user))
        )


QuoteMoneySerializer = inline_serializer(
    name="QuoteMoney", fields={"amount": serializers.CharField(), "unit": serializers.CharField()}
)
QuoteSerializer = inline_serializer(
    name="BookingQuote",
    fields={
        "lines": inline_serializer(
            name="BookingQuoteLine",
            fields={
                "source": serializers.ChoiceField(choices=["allowance", "carnet", "price"]),
                "label": serializers.CharField(),
                "unit": serializers.CharField(),
                "amount": serializers.CharField(),
            },
            many=True,
        ),
        "money": QuoteMoneySerializer,
    },
)


def _seats_param(raw: str | None) -> int:
    if raw is None or raw.strip() == "":
        return 1
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 10_000:
        raise InvalidInput(fields={"seats": [_("A number of seats from 1 to 10000.")]})
    return int(raw)


class ResourceQuoteView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, required=True, description=START_HELP),
            OpenApiParameter("end", OpenApiTypes.DATETIME, required=True, description="ISO 8601 with offset."),
            OpenApiParameter("seats", OpenApiTypes.INT, required=False, description="1 unless told."),
            OpenApiParameter("unit", OpenApiTypes.STR, required=False, description="The unit of the money part."),
        ],
        responses={200: QuoteSerializer, 422: refusal("invalid_duration, unit_not_accepted")},
        description="What booking this resource for [start, end) would hold now, in the fixed order: your "
        "plans' allowances, then your carnets (the one expiring first first), then the price on your account "
        "(`money`). Read-only; the booking decides again when it is made. Opening hours, seats and the member "
        "rules are checked by the booking, not here. 400 for malformed or naive times; 404: no such resource.",
    )
    def get(self, request: Request, pk: int) -> Response:
        resource = _bookable_resource(checked_id(pk))
        params = request.query_params
        start, end = _instant_param(params, "start"), _instant_param(params, "end")
        unit = params.get("unit") or None
        if unit is not None and len(unit) > 8:
            raise InvalidInput(fields={"unit": [_("A unit code.")]})
        quote = booking_quote(
            resource=resource,
            member=member_or_none(request.user),
            start=start,
            end=end,
            seats=_seats_param(params.get("seats")),
            unit=unit,
        )
        return Response(
            {
                "lines": [
                    {
                        "source": line.source,
                        "label": line.label,
                        "unit": line.unit,
                        "amount": as_decimal_text(line.amount, line.unit),
                    }
                    for line in quote.lines
                ],
                "money": {"amount": as_decimal_text(quote.money_amount, quote.money_unit), "unit": quote.money_unit},
            }
        )


urlpatterns = [
    path("resources/<int:pk>/quote/", ResourceQuoteView.as_view(), name="api-resource-quote"),
    path("bookings/", BookingListView.as_view(), name="api-bookings"),
    path("bookings/<int:pk>/", BookingDetailView.as_view(), name="api-booking-detail"),
    path("bookings/<int:pk>/cancel/", BookingCancelView.as_view(), name="api-booking-cancel"),
    path("bookings/<int:pk>/check-in/", BookingCheckInView.as_view(), name="api-booking-check-in"),
    path("bookings/<int:pk>/no-show/", BookingNoShowView.as_view(), name="api-booking-no-show"),
]
