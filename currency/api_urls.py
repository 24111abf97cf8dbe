from django.urls import URLPattern, URLResolver

from .api import comptoir, payments, public, reconversion, timebank

urlpatterns: list[URLPattern | URLResolver] = [
    *comptoir.urlpatterns,
    *reconversion.urlpatterns,
    *payments.urlpatterns,
    *timebank.urlpatterns,
    *public.urlpatterns,
]
