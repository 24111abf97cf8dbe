from django.urls import URLPattern, URLResolver

from .api import register, requests

urlpatterns: list[URLPattern | URLResolver] = [*register.urlpatterns, *requests.urlpatterns]
