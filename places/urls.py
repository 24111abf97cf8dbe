from django.urls import URLPattern, URLResolver

from .views import bookings, calendars, checkin, manage, passes, public, search, series

urlpatterns: list[URLPattern | URLResolver] = [
    *public.urlpatterns,
    *search.urlpatterns,
    *bookings.urlpatterns,
    *passes.urlpatterns,
    *manage.urlpatterns,
    *calendars.urlpatterns,
    *checkin.urlpatterns,
    *series.urlpatterns,
]
