from django.urls import path

from .views import pages as views
from .views import staff

urlpatterns = [
    path("membership/", views.membership, name="membership"),
    path("members/new/", staff.member_create, name="member-create"),
    path("members/import/", staff.member_import, name="member-import"),
    path("members/import/template.csv", staff.member_import_template, name="member-import-template"),
    path("members/import/report.csv", staff.member_import_report, name="member-import-report"),
]
