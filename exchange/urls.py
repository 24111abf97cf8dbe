from django.urls import URLPattern, URLResolver

from .views import exchanges, listings

urlpatterns: list[URLPattern | URLResolver] = [*listings.urlpatterns, *exchanges.urlpatterns]
