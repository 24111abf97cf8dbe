from django.urls import path

from ._placeholder import coming_soon

urlpatterns = [path("exchanges/", coming_soon, name="exchange-list")]
