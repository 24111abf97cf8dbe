"""API of the marketplace's listings: search (django-filter), publish, edit, pause, resume, close,
hide (moderators) and photos (multipart). Members only: every call needs authentication."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from core.amounts import AmountField
from core.errors import InvalidInput, NotFound
from core.pagination import DefaultPagination
from exchange.models import Category, Listing, ListingPhoto
from exchange.selectors.listings import (
    MAX_PAGE,
    SEARCH_COUNT_LIMIT,
    listing_get_visible,
    listing_search,
    listing_search_count,
    member_units,
)
from exchange.services.listings import (
    listing_close,
    listing_create,
    listing_hide,
    listing_pause,
    listing_photo_add,
    listing_photo_remove,
    listing_resume,
    listing_update,
)
from ledger.api.serializers import AmountInputField
from ledger.units import get_unit
from members.models import Commune

PRICE_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "null: to be agreed.",
    "properties": {
        "price": {"type": "string", "format": "decimal", "example": "12.50"},
        "unit": {"type": "string", "example": "GRN"},
    },
    "required": ["price", "unit"],
}


@extend_schema_field(
    {"type": "string", "pattern": "^(offer|want)$", "example": "offer", "description": "`offer` or `want`."}
)
class KindField(serializers.ChoiceField):
    """The kind of a listing. Its schema is a pattern, not an enum: `kind` already names the
    member and account kinds, and an enum would collide with them (a spectacular warning) until
    settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] names it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Listing.Kind.choices, **kwargs)


@extend_schema_field({"type": "number"})
class AmountFilter(django_filters.Filter):
    """A price bound read by the one amount parser (core.amounts): "1_0" and "１" are not 10 and 1."""

    field_class = AmountField


class ListingFilter(django_filters.FilterSet):
    """The search's filters; `filter_queryset` hands them all to the `listing_search` selector."""

    q = django_filters.CharFilter(max_length=200, help_text="Words of the title or the description.")
    kind = django_filters.ChoiceFilter(choices=Listing.Kind.choices)
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), help_text="Category id; a parent includes its children."
    )
    commune = django_filters.ModelChoiceFilter(queryset=Commune.objects.all(), help_text="Commune id.")
    unit = django_filters.ChoiceFilter(choices=[(code, code) for code in member_units()])
    price_min = AmountFilter()
    price_max = AmountFilter()

    class Meta:
        model = Listing
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Listing]) -> QuerySet[Listing]:
        data = self.form.cleaned_data
        return listing_search(
            q=data.get("q") or "",
            kind=data.get("kind") or None,
            category=data.get("category"),
            commune=data.get("commune"),
            unit=data.get("unit") or None,
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
        ).prefetch_related("photos")


class ListingPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ListingPhoto
        fields = ["id", "url", "width", "height", "position"]

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, obj: ListingPhoto) -> str:
        request = self.context.get("request")
        url = obj.image.url
        return request.build_absolute_uri(url) if request is not None else url


class ListingSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.display_name", read_only=True)
    author_id = serializers.IntegerField(read_only=True)
    category_slug = serializers.CharField(source="category.slug", read_only=True)
    price = serializers.SerializerMethodField()
    photos = ListingPhotoSerializer(many=True, read_only=True)
    hidden_reason = serializers.SerializerMethodField()

    kind = KindField(read_only=True)

    class Meta:
        model = Listing
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "category",
            "category_slug",
            "commune",
            "price",
            "availability",
            "expires_on",
            "status",
            "hidden_reason",
            "author",
            "author_id",
            "photos",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PRICE_SCHEMA)
    def get_price(self, obj: Listing) -> dict[str, str] | None:
        if obj.price is None:
            return None
        return {"price": str(get_unit(obj.unit).to_decimal(obj.price)), "unit": obj.unit}

    @extend_schema_field({"type": "string", "nullable": True})
    def get_hidden_reason(self, obj: Listing) -> str | None:
        return obj.hidden_reason if obj.status == Listing.Status.HIDDEN else None


class PriceInputSerializer(serializers.Serializer):
    price = AmountInputField()
    unit = serializers.ChoiceField(choices=[(code, code) for code in member_units()])


class ListingInputSerializer(serializers.Serializer):
    kind = KindField()
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    commune = serializers.PrimaryKeyRelatedField(queryset=Commune.objects.all(), allow_null=True, required=False)
    price = PriceInputSerializer(allow_null=True, required=False, help_text="null or absent: to be agreed.")
    availability = serializers.CharField(max_length=200, allow_blank=True, required=False)
    expires_on = serializers.DateField()


class ListingPatchSerializer(ListingInputSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class HideInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class PhotoInputSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A JPEG, PNG, GIF or WebP image; resized and re-encoded as JPEG.")


def _valid(serializer: serializers.Serializer) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _price(data: dict[str, Any]) -> Money | None:
    value = data["price"]
    return None if value is None else Money(value["price"], value["unit"])


def _out(request: Request, listing: Listing, code: int = status.HTTP_200_OK) -> Response:
    listing = listing_get_visible(user=request.user, listing_id=listing.pk)
    return Response(ListingSerializer(listing, context={"request": request}).data, status=code)


class SearchPagination(DefaultPagination):
    """Limit/offset whose `count` stops at SEARCH_COUNT_LIMIT (a common word is not counted to the
    end): `count_capped` true means more than `count` listings match. `next` is given when one
    listing more than the page was read, so paging goes on past the counted limit."""

    has_next = False
    count_capped = False

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = min(self.get_offset(request), MAX_PAGE * self.max_limit)
        self.count, self.count_capped = listing_search_count(queryset)
        rows = list(queryset[self.offset : self.offset + self.limit + 1])
        self.has_next = len(rows) > self.limit
        return rows[: self.limit]

    def get_next_link(self) -> str | None:
        if not self.has_next or self.request is None or self.limit is None or self.offset is None:
            return None
        url = replace_query_param(self.request.build_absolute_uri(), self.limit_query_param, self.limit)
        return replace_query_param(url, self.offset_query_param, self.offset + self.limit)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.count,
                "count_capped": self.count_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count"]["description"] = (
            f"The number of matching listings, counted up to {SEARCH_COUNT_LIMIT}: "
            "when `count_capped` is true, more than that many match."
        )
        described["properties"]["count_capped"] = {
            "type": "boolean",
            "example": False,
            "description": f"True when more than {SEARCH_COUNT_LIMIT} listings match (`count` is then "
            f"{SEARCH_COUNT_LIMIT}); `next` still leads to the following page.",
        }
        described["required"] = [*described.get("required", []), "count_capped"]
        return described


class ListingListView(generics.ListAPIView):
    serializer_class = ListingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ListingFilter
    pagination_class = SearchPagination

    def get_queryset(self) -> QuerySet[Listing]:
        return listing_search().prefetch_related("photos")

    @extend_schema(description="Active listings, newest first, filtered; `q` searches the title and description.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ListingInputSerializer,
        responses={201: ListingSerializer},
        description="Publish an offer or a want (an active member with a valid membership).",
    )
    def post(self, request: Request) -> Response:
        data = _valid(ListingInputSerializer(data=request.data))
        created = listing_create(
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            description=data["description"],
            category=data["category"],
            commune=data.get("commune"),
            price=_price({"price": data.get("price")}),
            availability=data.get("availability", ""),
            expires_on=data["expires_on"],
        )
        return _out(request, created, status.HTTP_201_CREATED)


class ListingDetailView(APIView):
    @extend_schema(
        responses=ListingSerializer,
        description="A listing; a hidden one only for its author (with the reason) and moderators.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return _out(request, listing_get_visible(user=request.user, listing_id=pk))

    @extend_schema(request=ListingPatchSerializer, responses=ListingSerializer, description="The author edits.")
    def patch(self, request: Request, pk: int) -> Response:
        listing = listing_get_visible(user=request.user, listing_id=pk)
        data = _valid(ListingPatchSerializer(data=request.data))
        if "price" in data:
            data["price"] = _price(data)
        return _out(request, listing_update(listing=listing, actor=request.user, **data))


def _action_view(service: Any, description: str, name: str) -> type[APIView]:
    class ActionView(APIView):
        @extend_schema(request=None, responses=ListingSerializer, description=description, operation_id=name)
        def post(self, request: Request, pk: int) -> Response:
            listing = listing_get_visible(user=request.user, listing_id=pk)
            return _out(request, service(listing=listing, actor=request.user))

    ActionView.__name__ = ActionView.__qualname__ = f"Listing{name.split('_')[-1].capitalize()}View"
    return ActionView


ListingPauseView = _action_view(listing_pause, "The author takes the listing out of the search.", "listing_pause")
ListingResumeView = _action_view(listing_resume, "The author publishes a paused listing again.", "listing_resume")
ListingCloseView = _action_view(listing_close, "The author withdraws the listing for good.", "listing_close")


class ListingHideView(APIView):
    @extend_schema(
        request=HideInputSerializer,
        responses=ListingSerializer,
        description="A moderator (staff) hides an abusive listing; the author sees the reason and gets a mail.",
    )
    def post(self, request: Request, pk: int) -> Response:
        listing = listing_get_visible(user=request.user, listing_id=pk)
        data = _valid(HideInputSerializer(data=request.data))
        return _out(request, listing_hide(listing=listing, actor=request.user, reason=data["reason"]))


class ListingPhotosView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": PhotoInputSerializer},
        responses={201: ListingPhotoSerializer},
        description="Add a photo (at most 6; images only; resized; too large → 400 image_too_large).",
    )
    def post(self, request: Request, pk: int) -> Response:
        listing = listing_get_visible(user=request.user, listing_id=pk)
        upload = request.FILES.get("image")
        if upload is None:
            raise InvalidInput(fields={"image": [_("No file was sent.")]})
        photo = listing_photo_add(listing=listing, actor=request.user, upload=upload)
        return Response(ListingPhotoSerializer(photo, context={"request": request}).data, status=201)


class ListingPhotoDetailView(APIView):
    @extend_schema(request=None, responses={204: None}, description="The author removes a photo.")
    def delete(self, request: Request, pk: int, photo_id: int) -> Response:
        listing = listing_get_visible(user=request.user, listing_id=pk)
        photo = ListingPhoto.objects.filter(listing=listing, pk=photo_id).first()
        if photo is None:
            raise NotFound()
        listing_photo_remove(photo=photo, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("listings/", ListingListView.as_view(), name="api-listings"),
    path("listings/<int:pk>/", ListingDetailView.as_view(), name="api-listing"),
    path("listings/<int:pk>/pause/", ListingPauseView.as_view(), name="api-listing-pause"),
    path("listings/<int:pk>/resume/", ListingResumeView.as_view(), name="api-listing-resume"),
    path("listings/<int:pk>/close/", ListingCloseView.as_view(), name="api-listing-close"),
    path("listings/<int:pk>/hide/", ListingHideView.as_view(), name="api-listing-hide"),
    path("listings/<int:pk>/photos/", ListingPhotosView.as_view(), name="api-listing-photos"),
    path("listings/<int:pk>/photos/<int:photo_id>/", ListingPhotoDetailView.as_view(), name="api-listing-photo"),
]
