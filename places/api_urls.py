from django.urls import URLPattern, URLResolver

from .api import bookings

urlpatterns: list[URLPattern | URLResolver] = [*bookings.urlpatterns]
