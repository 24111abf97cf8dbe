from django.urls import URLPattern, URLResolver

from .views import bookings, calendars, checkin, manage, public, search

urlpatterns: list[URLPattern | URLResolver] = [
    *public.urlpatterns,
    *search.urlpatterns,
    *bookings.urlpatterns,
    *manage.urlpatterns,
    *calendars.urlpatterns,
    *checkin.urlpatterns,
]
