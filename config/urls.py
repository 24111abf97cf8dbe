from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from core import pwa
from ledger.api import ledger as ledger_api
from ledger.api import log as ledger_api_log
from members.api import communes as members_api
from members.api import personal_data as members_data_api
from members.views.password import PasswordResetView
from membership.api import members as membership_api
from portal.forms import LoginForm

from . import health, metrics
from .auth_api import ApiTokenDetailView, ApiTokenListView, TokenView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# No `.json` twins of the routes: the viewsets' actions take no `format` argument (a 500 on POST).
router.include_format_suffixes = False
router.register("members", membership_api.MemberViewSet, basename="member")
router.register("accounts", ledger_api.AccountViewSet, basename="account")
router.register("transactions", ledger_api.TransactionViewSet, basename="transaction")
router.register("holds", ledger_api.HoldViewSet, basename="hold")

api_patterns: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("tokens/", ApiTokenListView.as_view(), name="api-tokens"),
    path("tokens/<int:pk>/", ApiTokenDetailView.as_view(), name="api-token-detail"),
    path("units/", ledger_api.UnitListView.as_view(), name="api-units"),
    path("communes/", members_api.CommuneListView.as_view(), name="api-communes"),
    path("transfers/", ledger_api.TransferView.as_view(), name="api-transfers"),
    path("audit-log/", ledger_api_log.AuditLogView.as_view(), name="api-audit-log"),
    path("audit/", include("ledger.api.audit")),
    path("standing-orders/", include("ledger.api.standing_orders")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file (?script), not inline: the CSP allows it.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    path("", include("currency.api_urls")),
    path("", include("timebank.api_urls")),
    path("", include("exchange.api_urls")),
    path("", include("crowdfunding.api_urls")),
    path("", include("cooperative.api_urls")),
    path("", include("places.api_urls")),
    path(
        "members/me/exports/",
        members_data_api.PersonalDataExportListView.as_view(),
        name="api-personal-data-exports",
    ),
    path(
        "members/me/exports/<int:pk>/",
        members_data_api.PersonalDataExportDetailView.as_view(),
        name="api-personal-data-export",
    ),
    # The member's own tokens under /members/me/ (the contract of issue 19), before the router's
    # members/{pk}/ routes; /tokens/ above stays for the clients that use it.
    path("members/me/tokens/", ApiTokenListView.as_view(), name="api-member-tokens"),
    path("members/me/tokens/<int:pk>/", ApiTokenDetailView.as_view(), name="api-member-token-detail"),
    path("", include(router.urls)),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    # The installable app (core/pwa.py): the worker at the root, so its scope is the whole site.
    path("manifest.webmanifest", pwa.manifest, name="web-manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline, name="offline"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before Django's own: the refusal names the field as the page labels it ("Identifiant").
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    # Before Django's own: the reset mail goes through the outbox (core/mail.py) like every mail,
    # and requests are limited per address and per e-mail (members.views.password).
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("portal.urls")),
    path("", include("ledger.urls")),
    path("", include("members.urls")),
    path("", include("membership.urls")),
    path("", include("currency.urls")),
    path("", include("timebank.urls")),
    path("", include("exchange.urls")),
    path("", include("crowdfunding.urls")),
    path("", include("cooperative.urls")),
    path("", include("places.urls")),
    path("", include("core.urls")),
]

if settings.DEBUG:
    # Uploaded photos; in production the proxy serves MEDIA_ROOT.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "config.views.bad_request"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
