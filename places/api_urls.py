from django.urls import URLPattern, URLResolver

from .api import availability, bookings, catalogue, geojson

# The GeoJSON first: `places/geojson/` is not a place id, but keep it out of `places/<int:pk>/`'s way.
urlpatterns: list[URLPattern | URLResolver] = [
    *geojson.urlpatterns,
    *catalogue.urlpatterns,
    *availability.urlpatterns,
    *bookings.urlpatterns,
]
