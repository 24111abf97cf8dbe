from django.urls import path

from .views import otp as views_otp
from .views import personal_data as views_data
from .views import profile as views_profile
from .views import search as views_search
from .views import sessions as views_sessions
from .views import tokens as views

urlpatterns = [
    path("members/search/", views_search.member_search, name="member-search"),
    path("me/data/", views_data.personal_data, name="personal-data"),
    path("me/data/request/", views_data.personal_data_request, name="personal-data-request"),
    path("me/data/<int:pk>/status/", views_data.personal_data_status, name="personal-data-status"),
    path("me/data/<int:pk>/download/", views_data.personal_data_download, name="personal-data-download"),
    path("me/profile/", views_profile.profile, name="profile"),
    path("me/email/confirm/", views_profile.email_confirm, name="email-confirm"),
    path("security/tokens/", views.api_tokens, name="api-tokens"),
    path("security/sessions/", views_sessions.sessions, name="sessions"),
    path("security/", views_otp.security, name="otp-security"),
    path("security/verify/", views_otp.verify, name="otp-verify"),
    path("security/enrol/", views_otp.enrol, name="otp-enrol"),
    path("security/backup-codes/", views_otp.backup_codes, name="otp-backup-codes"),
]
