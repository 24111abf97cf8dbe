from django.urls import path

from ._placeholder import coming_soon

urlpatterns = [
    path("public/directory/", coming_soon, name="directory"),
    path("public/transparency/", coming_soon, name="transparency"),
]
