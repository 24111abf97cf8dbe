"""The time bank's API routes, under /api/ (config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from timebank.api.views import (
    ServiceRecordConfirmView,
    ServiceRecordDeclineView,
    ServiceRecordDetailView,
    ServiceRecordListView,
    VolunteeringRewardsBatchView,
    VolunteeringRewardView,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("service-records/", ServiceRecordListView.as_view(), name="api-service-records"),
    path("service-records/<int:pk>/", ServiceRecordDetailView.as_view(), name="api-service-record"),
    path("service-records/<int:pk>/confirm/", ServiceRecordConfirmView.as_view(), name="api-service-record-confirm"),
    path("service-records/<int:pk>/decline/", ServiceRecordDeclineView.as_view(), name="api-service-record-decline"),
    path("volunteering-rewards/", VolunteeringRewardView.as_view(), name="api-volunteering-rewards"),
    path(
        "volunteering-rewards/batch/",
        VolunteeringRewardsBatchView.as_view(),
        name="api-volunteering-rewards-batch",
    ),
]
