"""The network as open data for maps: `GET /api/places/geojson/`, a GeoJSON FeatureCollection (RFC 7946).

One Point feature per public place, `[longitude, latitude]` as numbers; the properties are flat
(`commune` is the commune's name, `commune_id` its id, `url` the place's page on the site).
Served as `application/geo+json`, or `application/json` to a client that asks for it.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from places.api.catalogue import place_page_url
from places.models import Place
from places.selectors.catalogue import public_places


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


GEOJSON_SCHEMA = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "integer"},
                    "geometry": {
                        "type": "object",
                        "required": ["type", "coordinates"],
                        "properties": {
                            "type": {"type": "string", "enum": ["Point"]},
                            "coordinates": {
                                "type": "array",
                                "items": {"type": "number"},
                                "minItems": 2,
                                "maxItems": 2,
                                "description": "[longitude, latitude] (WGS 84).",
                            },
                        },
                    },
                    "properties": {
                        "type": "object",
                        "required": ["id", "name", "kinds", "commune", "commune_id", "address", "url"],
                        "properties": {
                            "id": {"type": "integer"},
                            "name": {"type": "string"},
                            "kinds": {"type": "array", "items": {"type": "string"}},
                            "commune": {"type": "string"},
                            "commune_id": {"type": "integer"},
                            "address": {"type": "string"},
                            "url": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}


def place_feature(place: Place) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": place.pk,
        "geometry": {"type": "Point", "coordinates": [float(place.longitude), float(place.latitude)]},
        "properties": {
            "id": place.pk,
            "name": place.name,
            "kinds": list(place.kinds),
            "commune": place.commune.name,
            "commune_id": place.commune_id,
            "address": place.address,
            "url": place_page_url(place),
        },
    }


COLLECTION = "A GeoJSON FeatureCollection (RFC 7946)."


class PlaceGeoJSONView(APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(
        responses={
            (200, "application/geo+json"): OpenApiResponse(GEOJSON_SCHEMA, description=COLLECTION),
            (200, "application/json"): OpenApiResponse(GEOJSON_SCHEMA, description=COLLECTION),
        },
        description="Every public place as a GeoJSON Point feature: open data for maps.",
    )
    def get(self, request: Request) -> Response:
        places = public_places().only("id", "name", "kinds", "commune", "address", "latitude", "longitude")
        return Response({"type": "FeatureCollection", "features": [place_feature(p) for p in places]})


urlpatterns = [path("places/geojson/", PlaceGeoJSONView.as_view(), name="api-places-geojson")]
