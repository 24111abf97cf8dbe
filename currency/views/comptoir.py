from django.urls import path

from ._placeholder import coming_soon

urlpatterns = [
    path("comptoir/comptoir-home/", coming_soon, name="comptoir-home"),
]
