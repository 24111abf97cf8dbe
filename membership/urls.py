from django.urls import path

from .views import pages as views

urlpatterns = [
    path("membership/", views.membership, name="membership"),
]
