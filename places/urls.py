from django.urls import URLPattern, URLResolver

from .views import bookings, calendars, manage, passes, public, search

urlpatterns: list[URLPattern | URLResolver] = [
    *public.urlpatterns,
    *search.urlpatterns,
    *bookings.urlpatterns,
    *passes.urlpatterns,
    *manage.urlpatterns,
    *calendars.urlpatterns,
]
