"""The time bank's pages."""

from django.urls import URLPattern, URLResolver, path

from timebank.views.pages import home, record_confirm, record_decline

urlpatterns: list[URLPattern | URLResolver] = [
    path("timebank/", home, name="timebank-home"),
    path("timebank/records/<int:record_id>/confirm/", record_confirm, name="service-record-confirm"),
    path("timebank/records/<int:record_id>/decline/", record_decline, name="service-record-decline"),
]
