from django.urls import URLPattern, URLResolver

from .views import comptoir, payments, public, reconversion

urlpatterns: list[URLPattern | URLResolver] = [
    *comptoir.urlpatterns,
    *reconversion.urlpatterns,
    *payments.urlpatterns,
    *public.urlpatterns,
]
