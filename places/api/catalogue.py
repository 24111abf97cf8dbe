"""Public API of the network (no authentication): places and resources (their GeoJSON and availability: beside).

Shapes (a contract; documented in the schema):

- `opening_hours`: the weekly openings still to come, in Paris wall time, one item per opening:
  `{"weekday": 0..6 (0 Monday), "opens": "09:00", "closes": "18:00", "valid_from": date|null,
  "valid_until": date|null}` (several items on a day for a lunch break; a season has its dates).
- `commune`: `{"id", "name", "postal_code", "insee_code"}` as /api/communes/ (the filter `?commune=`
  takes the id); in the GeoJSON the properties are flat: `commune` is the name, `commune_id` the id.
- `prices`: `[{"amount": "3.00", "unit": "ACH"}]`, the price of one step per unit.
- `qualification_required`: a boolean; `qualification` names it (`{"id", "name"}` or null).
- a resource's availability: places.api.availability.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import MAX_ID, checked_id
from core.errors import InvalidInput
from ledger.api.serializers import MinorAmountField
from members.api.serializers import CommuneSerializer
from places.errors import PlaceNotFound
from places.models import OpeningException, Place, PlaceKind, PlaceService, Resource, ResourceKind, ResourcePrice
from places.selectors.catalogue import (
    open_place_ids,
    opening_hours,
    public_places,
    public_resource_get,
    public_resources,
)

UPCOMING_EXCEPTION_DAYS = 60
MAX_CAPACITY_FILTER = 100_000


def place_page_url(place: Place) -> str:
    # The public page of a place (places.urls, the pages' part); its path if those routes are absent.
    try:
        return reverse("place-detail", args=[place.pk])
    except NoReverseMatch:
        return f"/places/{place.pk}/"


# --- query parameters -------------------------------------------------------------------------


def _id_param(params: Any, name: str) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise InvalidInput(fields={name: [_("Give an id (a whole number).")]})
    return int(raw)


def _code_param(params: Any, name: str, choices: Any) -> str | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if raw not in choices.values:
        message = _("Unknown code. Choose one of: %(codes)s.") % {"codes": ", ".join(choices.values)}
        raise InvalidInput(fields={name: [message]})
    return str(raw)


# --- serializers ------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "09:00"})
class WallTimeField(serializers.TimeField):
    """A wall-clock time in Paris as hours and minutes ("09:00"), not an RFC 3339 time (no offset:
    the offset depends on the day)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class OpeningHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 Monday … 6 Sunday.")
    opens = WallTimeField(help_text="Paris wall time, e.g. 09:00.")
    closes = WallTimeField(help_text="Paris wall time, e.g. 18:00.")
    valid_from = serializers.DateField(allow_null=True, help_text="First day of a season (inclusive), or null.")
    valid_until = serializers.DateField(allow_null=True, help_text="Last day of a season (inclusive), or null.")


class OpeningExceptionSerializer(serializers.ModelSerializer):
    """An exceptional closure (whole day when `opens` is null) or opening; `resource` set: that resource only."""

    opens = WallTimeField(allow_null=True)
    closes = WallTimeField(allow_null=True)

    class Meta:
        model = OpeningException
        fields = ["date", "kind", "opens", "closes", "resource", "reason"]


class AccessibilitySerializer(serializers.Serializer):
    step_free_access = serializers.BooleanField()
    accessible_toilets = serializers.BooleanField()


class ContactSerializer(serializers.Serializer):
    email = serializers.CharField()
    phone = serializers.CharField()
    website = serializers.CharField()


class PlacePhotoSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Absolute URL of the JPEG.")
    alt = serializers.CharField(help_text="What the photo shows (its text alternative).")
    width = serializers.IntegerField(help_text="In pixels.")
    height = serializers.IntegerField(help_text="In pixels.")


class PlaceSerializer(serializers.ModelSerializer):
    commune = CommuneSerializer(read_only=True)
    kinds = serializers.ListField(child=serializers.CharField(), help_text="Codes: " + ", ".join(PlaceKind.values))
    services = serializers.ListField(
        child=serializers.CharField(), help_text="Codes: " + ", ".join(PlaceService.values)
    )
    units = serializers.ListField(child=serializers.CharField(), help_text="Unit codes; EUR: paid at the counter.")
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    resources = serializers.SerializerMethodField()
    opening_hours = serializers.SerializerMethodField()
    open_now = serializers.SerializerMethodField()
    closures = serializers.SerializerMethodField()
    accessibility = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Place
        fields = [
            "id",
            "name",
            "kinds",
            "commune",
            "address",
            "latitude",
            "longitude",
            "units",
            "resources",
            "opening_hours",
            "open_now",
            "closures",
            "description",
            "services",
            "accessibility",
            "contact",
            "url",
            "photos",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "integer"}, "description": "Ids of its resources."})
    def get_resources(self, obj: Place) -> list[int]:
        return [resource.pk for resource in obj.resources.all()]

    @extend_schema_field(OpeningHoursSerializer(many=True))
    def get_opening_hours(self, obj: Place) -> Any:
        return OpeningHoursSerializer(opening_hours(obj, today=self.context.get("today")), many=True).data

    @extend_schema_field(serializers.BooleanField(help_text="Open at the time of the answer."))
    def get_open_now(self, obj: Place) -> bool:
        open_ids = self.context.get("open_ids")
        if open_ids is None:
            open_ids = open_place_ids([obj])
        return obj.pk in open_ids

    @extend_schema_field(OpeningExceptionSerializer(many=True, help_text="Exceptional days of the next 60 days."))
    def get_closures(self, obj: Place) -> Any:
        return OpeningExceptionSerializer(obj.upcoming_exceptions, many=True).data  # type: ignore[attr-defined]

    @extend_schema_field(AccessibilitySerializer)
    def get_accessibility(self, obj: Place) -> dict[str, bool]:
        return {"step_free_access": obj.step_free_access, "accessible_toilets": obj.accessible_toilets}

    @extend_schema_field(ContactSerializer)
    def get_contact(self, obj: Place) -> dict[str, str]:
        return {"email": obj.email, "phone": obj.phone, "website": obj.website}

    @extend_schema_field({"type": "string", "description": "The place's page on the site."})
    def get_url(self, obj: Place) -> str:
        return place_page_url(obj)

    @extend_schema_field(PlacePhotoSerializer(many=True, help_text="The place's photos, first one first."))
    def get_photos(self, obj: Place) -> list[dict[str, Any]]:
        request = self.context.get("request")
        return [
            {
                "url": request.build_absolute_uri(photo.image.url) if request is not None else photo.image.url,
                "alt": photo.alt_text,
                "width": photo.width,
                "height": photo.height,
            }
            for photo in obj.photos.all()
        ]


class PriceSerializer(serializers.ModelSerializer):
    amount = MinorAmountField(help_text="Price of one step, e.g. “3.00”.")

    class Meta:
        model = ResourcePrice
        fields = ["amount", "unit"]


class QualificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ResourceSerializer(serializers.ModelSerializer):
    prices = PriceSerializer(many=True, read_only=True)
    qualification_required = serializers.SerializerMethodField()
    qualification = serializers.SerializerMethodField()
    kind = serializers.CharField(help_text="Codes: " + ", ".join(ResourceKind.values))

    class Meta:
        model = Resource
        fields = [
            "id",
            "place",
            "name",
            "kind",
            "description",
            "capacity",
            "shared",
            "step_minutes",
            "min_minutes",
            "max_minutes",
            "horizon_days",
            "lead_minutes",
            "buffer_minutes",
            "cancel_deadline_hours",
            "late_cancel_fee_percent",
            "prices",
            "members_only",
            "qualification_required",
            "qualification",
            "parent",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField(help_text="True: only members trained by the place may book."))
    def get_qualification_required(self, obj: Resource) -> bool:
        return obj.qualification_id is not None

    @extend_schema_field(QualificationSerializer(allow_null=True))
    def get_qualification(self, obj: Resource) -> dict[str, Any] | None:
        if obj.qualification is None:
            return None
        return {"id": obj.qualification.pk, "name": obj.qualification.name}


# --- views ------------------------------------------------------------------------------------


def _with_upcoming(queryset: QuerySet[Place]) -> QuerySet[Place]:
    today = timezone.localdate()
    return queryset.prefetch_related(
        Prefetch(
            "opening_exceptions",
            queryset=OpeningException.objects.filter(
                date__gte=today, date__lte=today + dt.timedelta(days=UPCOMING_EXCEPTION_DAYS)
            ).order_by("date", "opens", "id"),
            to_attr="upcoming_exceptions",
        )
    )


class PlaceListView(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = PlaceSerializer

    def get_queryset(self) -> QuerySet[Place]:
        params = self.request.query_params
        return _with_upcoming(
            public_places(
                commune=_id_param(params, "commune"),
                kind=_code_param(params, "kind", PlaceKind),
                service=_code_param(params, "service", PlaceService),
            )
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        places = list(page) if page is not None else []
        context = {**self.get_serializer_context(), "open_ids": open_place_ids(places)}
        return self.get_paginated_response(PlaceSerializer(places, many=True, context=context).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("commune", OpenApiTypes.INT, description="Commune id (see /api/communes/)."),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=PlaceKind.values, description="A kind of place."),
            OpenApiParameter("service", OpenApiTypes.STR, enum=PlaceService.values, description="A service offered."),
        ],
        description="The public places of the network, by name. An unknown code or a malformed id is a 400.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PlaceDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: PlaceSerializer}, description="A public place (404 for one not public).")
    def get(self, request: Request, pk: int) -> Response:
        place = _with_upcoming(public_places()).filter(pk=checked_id(pk)).first()
        if place is None:
            raise PlaceNotFound()
        return Response(PlaceSerializer(place, context={"request": request, "today": timezone.localdate()}).data)


class ResourceListView(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = ResourceSerializer

    def get_queryset(self) -> QuerySet[Resource]:
        params = self.request.query_params
        min_capacity: int | None = None
        raw = params.get("min_capacity", "").strip()
        if raw:
            if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_CAPACITY_FILTER:
                raise InvalidInput(fields={"min_capacity": [_("Give a whole number of seats, at least 1.")]})
            min_capacity = int(raw)
        return public_resources(
            place=_id_param(params, "place"), kind=_code_param(params, "kind", ResourceKind), min_capacity=min_capacity
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("place", OpenApiTypes.INT, description="Place id."),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=ResourceKind.values, description="A kind of resource."),
            OpenApiParameter("min_capacity", OpenApiTypes.INT, description="At least this many seats (1 or more)."),
        ],
        description="The bookable resources of the public places, by place and name. Malformed filters are a 400.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ResourceDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: ResourceSerializer}, description="A bookable resource of a public place.")
    def get(self, request: Request, pk: int) -> Response:
        return Response(ResourceSerializer(public_resource_get(checked_id(pk)), context={"request": request}).data)


urlpatterns = [
    path("places/", PlaceListView.as_view(), name="api-places"),
    path("places/<int:pk>/", PlaceDetailView.as_view(), name="api-place"),
    path("resources/", ResourceListView.as_view(), name="api-resources"),
    path("resources/<int:pk>/", ResourceDetailView.as_view(), name="api-resource"),
]
