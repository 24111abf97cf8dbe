from django.urls import URLPattern, URLResolver

from .api import availability, bookings, catalogue, counter, geojson, occupancy, passes, series

# The GeoJSON and the occupancy first: `places/geojson/` and `places/occupancy/` are not place
# ids, but keep them out of `places/<int:pk>/`'s way.
urlpatterns: list[URLPattern | URLResolver] = [
    *geojson.urlpatterns,
    *occupancy.urlpatterns,
    *catalogue.urlpatterns,
    *availability.urlpatterns,
    *counter.urlpatterns,
    *bookings.urlpatterns,
    *passes.urlpatterns,
    *series.urlpatterns,
]
