from django.urls import path

from ._placeholder import coming_soon

urlpatterns = [
    path("timebank/timebank-home/", coming_soon, name="timebank-home"),
]
