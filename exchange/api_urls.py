from django.urls import URLPattern, URLResolver

from .api import exchanges, listings

urlpatterns: list[URLPattern | URLResolver] = [*listings.urlpatterns, *exchanges.urlpatterns]
