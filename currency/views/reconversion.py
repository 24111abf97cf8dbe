from django.urls import path

from ._placeholder import coming_soon

urlpatterns = [
    path("reconversion/reconversion-list/", coming_soon, name="reconversion-list"),
]
