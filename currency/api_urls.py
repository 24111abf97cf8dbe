from django.urls import URLPattern, URLResolver

from .api import comptoir, payments, public, reconversion

urlpatterns: list[URLPattern | URLResolver] = [
    *comptoir.urlpatterns,
    *reconversion.urlpatterns,
    *payments.urlpatterns,
    *public.urlpatterns,
]
