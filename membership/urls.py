from django.urls import path

from .views import applications, comptoir, leaving, signup, staff, terms
from .views import pages as views

urlpatterns = [
    path("membership/", views.membership, name="membership"),
    path("comptoir/membership/", comptoir.membership_at_comptoir, name="comptoir-membership"),
    path("me/close/", leaving.leaving, name="leaving"),
    path("me/close/gift/", leaving.leaving_gift_view, name="leaving-gift"),
    path("me/close/goodbye/", leaving.leaving_goodbye, name="leaving-goodbye"),
    path(
        "membership/members/<int:member_id>/leaving/",
        leaving.member_leaving_staff,
        name="membership-member-leaving",
    ),
    path("members/new/", staff.member_create, name="member-create"),
    path("members/import/", staff.member_import, name="member-import"),
    path("members/import/template.csv", staff.member_import_template, name="member-import-template"),
    path("members/import/report.csv", staff.member_import_report, name="member-import-report"),
    path("join/", signup.signup, name="signup"),
    path("join/sent/", signup.signup_sent, name="signup-sent"),
    path("join/confirm/<str:token>/", signup.signup_confirm_page, name="signup-confirm"),
    path("join/welcome/", signup.signup_welcome, name="signup-welcome"),
    path("terms/", signup.terms, name="terms"),
    path("terms/accept/", terms.terms_accept_page, name="terms-accept"),
    path("membership/applications/", applications.applications, name="membership-applications"),
    path(
        "membership/applications/<int:pk>/approve/",
        applications.application_approve_view,
        name="membership-application-approve",
    ),
    path(
        "membership/applications/<int:pk>/refuse/",
        applications.application_refuse_view,
        name="membership-application-refuse",
    ),
    path("membership/members/<int:member_id>/waive/", applications.membership_waive_view, name="membership-waive"),
    path(
        "membership/members/<int:member_id>/paid-in-euros/",
        applications.membership_paid_in_euros_view,
        name="membership-paid-in-euros",
    ),
]
