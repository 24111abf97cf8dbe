from django.urls import URLPattern, URLResolver

from .api import campaigns, pledges

urlpatterns: list[URLPattern | URLResolver] = [*campaigns.urlpatterns, *pledges.urlpatterns]
