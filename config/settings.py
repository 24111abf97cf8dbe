"""Bocage settings: one module, read from the environment, safe defaults for the embedded run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import moneyed
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from core.territory import territory_demurrage, territory_load, territory_unit_name

from .brokers import broker_transport_options
from .caches import cache_from_url
from .email_url import email_settings
from .env import env_bool, env_int, env_list, env_str, env_value
from .logging import logging_config
from .suite import suite_worker, worker_redis_url, worker_var_dir

BASE_DIR = Path(__file__).resolve().parent.parent
# A worker of the test suite (pytest-xdist) keeps its own files and Redis database (config/suite.py).
_SUITE_WORKER = suite_worker()
VAR_DIR = worker_var_dir(env_value("BOCAGE_VAR_DIR"), BASE_DIR / "var", _SUITE_WORKER)
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
_INSECURE_KEY = "django-insecure-bocage-embedded-default-change-me-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_KEY if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "djmoney",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "config",
    "members",
    "ledger",
    "membership",
    "currency",
    "timebank",
    "exchange",
    "crowdfunding",
    "cooperative",
    "places",
    # The portal: the site's shell (menu, footer pages, public home); reads the apps' selectors.
    "portal",
    # The top floor: the demo community and the benchmark (management commands only, no tables).
    "demo",
    "bench",
]

MIDDLEWARE = [
    # First: the request id and the timing cover every other middleware, redirects included.
    "config.request_id.RequestIdMiddleware",
    "config.metrics.MetricsMiddleware",
    # Before anything reads the request: NUL characters (400) and oversized API bodies (413 JSON).
    "config.request_guard.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their long cache; every page, the API docs and the
    # admin get the Content-Security-Policy; answers to a logged-in caller are never stored.
    "csp.middleware.CSPMiddleware",
    "config.security.NoStoreWhenAuthenticatedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # What the shell keeps per user (core.usercache) is forgotten after each of their writes.
    "core.usercache.ForgetOnWriteMiddleware",
    # The request's member is read once, however many selectors ask for it.
    "members.selectors.RequestMemberMiddleware",
    # The list of one's sessions: the session's last visit, written at most every few minutes.
    "members.sessions.SessionTouchMiddleware",
    # Second factor: django-otp marks the session's user as verified (or not); ours then keeps a
    # user who owes a code on the verification or enrolment page (403 JSON under /api/).
    "django_otp.middleware.OTPMiddleware",
    "members.otp.SecondFactorMiddleware",
    # A new version of the terms or the privacy notice: accept it (or leave) before anything else.
    "membership.terms.TermsAcceptanceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A dropped database connection answers 503 (JSON under /api/), never a 500.
    "config.faults.DatabaseUnavailableMiddleware",
    # Last: turns the lockout flag set during authentication into the 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.inbox",
                "core.context_processors.notifications",
            ],
        },
    },
]

# Django's form renderer, with selects and plain inputs drawn in Python (core.form_renderer).
FORM_RENDERER = "core.form_renderer.FormRenderer"

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bocage.sqlite3'}")
# Lets several test runs share a machine without sharing a test database.
_TEST_SUFFIX = env_str("BOCAGE_TEST_DB_SUFFIX", "")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a writer takes the write lock at BEGIN, so two postings never deadlock on the
    # read-to-write upgrade; the timeout lets the web and the worker wait for each other.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-bocage{_TEST_SUFFIX}.sqlite3")}
elif _TEST_SUFFIX:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}{_TEST_SUFFIX}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (API throttle counters) ----------------------------------------------------------
# Default: memory of one process (the embedded run); with a Redis broker, the same Redis, so
# every web process shares the counters. CACHE_URL overrides both.
_BROKER_URL = worker_redis_url(env_str("CELERY_BROKER_URL", ""), _SUITE_WORKER)
# Production needs a shared one (Redis, or db:// for Django's database cache): check --deploy
# fails otherwise (config/checks.py), e.g. with RabbitMQ as the broker and no CACHE_URL.
CACHE_URL = worker_redis_url(env_str("CACHE_URL", ""), _SUITE_WORKER) or (
    _BROKER_URL if _BROKER_URL.startswith(("redis://", "rediss://")) else "locmem://"
)
CACHES = {"default": cache_from_url(CACHE_URL)}
# The pages' shell (menu, badges, bell, second-factor check) keeps its per-user facts this long;
# a user's own writes and notifications forget them at once (core.usercache). 0: not kept.
BOCAGE_USER_CACHE_SECONDS = env_int("BOCAGE_USER_CACHE_SECONDS", 30)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login brute force: failures are counted per username + address (django-axes, in the database);
# after AXES_FAILURE_LIMIT of them, logins from that pair are refused for the cool-off, even with
# the right password. The backend only counts and refuses; ModelBackend authenticates.
AUTHENTICATION_BACKENDS = [
    "config.security.LoginAttemptsBackend",
    # Reads permissions in one query where ModelBackend takes two (config/permissions.py).
    "config.permissions.PermissionsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying (one password on many usernames): this many failures from one address, whatever
# the usernames, within the cool-off lock that address out too (config.security.LoginAttemptsBackend).
BOCAGE_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("BOCAGE_LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
# Behind a reverse proxy, the number of proxies whose X-Forwarded-For is trusted (0: none).
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# API tokens (members.ApiToken, several per user): each lasts this many days from its last use;
# the use is written at most once per BOCAGE_API_TOKEN_TOUCH_SECONDS, not on every request.
BOCAGE_API_TOKEN_DAYS = env_int("BOCAGE_API_TOKEN_DAYS", 30)
BOCAGE_API_TOKEN_TOUCH_SECONDS = env_int("BOCAGE_API_TOKEN_TOUCH_SECONDS", 3600)
# A member's copy of their personal data (the "Mes données" page) can be downloaded this many
# days; then the daily task members.tasks.personal_data_exports_expire deletes the file.
BOCAGE_PERSONAL_DATA_EXPORT_DAYS = env_int("BOCAGE_PERSONAL_DATA_EXPORT_DAYS", 7)
# The list of one's sessions (/security/sessions/): a session's last visit is written at most this often.
BOCAGE_SESSION_TOUCH_SECONDS = env_int("BOCAGE_SESSION_TOUCH_SECONDS", 300)
# After a member's IBAN changes, their reconversions wait this many days (a stolen login changing
# the IBAN and cashing out at once is the classic fraud).
BOCAGE_IBAN_CHANGE_HOLD_DAYS = env_int("BOCAGE_IBAN_CHANGE_HOLD_DAYS", 5)
# A member may ask to change their e-mail address this many times an hour; the link lasts this long.
BOCAGE_EMAIL_CHANGE_PER_HOUR = env_int("BOCAGE_EMAIL_CHANGE_PER_HOUR", 3)
BOCAGE_EMAIL_CHANGE_LINK_SECONDS = env_int("BOCAGE_EMAIL_CHANGE_LINK_SECONDS", 2 * 24 * 3600)
# Forgotten password: this many reset requests an hour from one address, and for one e-mail address.
BOCAGE_PASSWORD_RESET_RATE_PER_HOUR = env_int("BOCAGE_PASSWORD_RESET_RATE_PER_HOUR", 5)

# --- Content-Security-Policy (django-csp) --------------------------------------------------------
# Only this site's own files run or style a page: no inline script, no inline style (the pages'
# behaviours are in static/js/bocage.js, driven by data- attributes). data: images are the
# favicon and Swagger UI's icons; no page may be framed, nor post a form elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # The installable app (core/pwa.py): its manifest and its service worker, this site's only.
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- The network's map (places: /places/) ----------------------------------------------------
# Map tiles, e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png" with its attribution (required by
# most tile servers). Empty (the default): no tiles, the markers are drawn over the communes' names
# alone, and no outside host is contacted. The tiles' host is added to the CSP's img-src below.
BOCAGE_MAP_TILES_URL = env_str("BOCAGE_MAP_TILES_URL", "")
BOCAGE_MAP_TILES_ATTRIBUTION = env_str("BOCAGE_MAP_TILES_ATTRIBUTION", "")
if BOCAGE_MAP_TILES_URL:
    _tiles = urlsplit(BOCAGE_MAP_TILES_URL.replace("{s}", "*"))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")
# The domain in the UIDs of the calendars' events (places.calendar): stable, so a calendar app
# updates an event instead of duplicating it.
BOCAGE_CALENDAR_UID_DOMAIN = env_str("BOCAGE_CALENDAR_UID_DOMAIN", "bocage.localhost")

# --- Second factor (django-otp: authenticator app + backup codes; members/otp.py) ---------------
# On: staff and auditors (ledger.audit_ledger) give a code after the password, on the site and for
# an API token. Off by default in the embedded demo (DEBUG) so the demo logins just work; on by
# default when DEBUG is off. A member who enrolled of their own accord is asked either way.
BOCAGE_OTP_REQUIRED = env_bool("BOCAGE_OTP_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = env_str("BOCAGE_OTP_ISSUER", "Bocage")
# Staff may delete a member's device in the admin (a lost phone) but never read its secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates day before month (config/formats/en): `6 December 2026`, not `Dec. 6, 2026`.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- The territory (core/territory.py, docs/FIRST_SETUP.md) ---------------------------------
# Another territory names its file here: its local currency and its association come from it (and
# `manage.py setup_territory` writes its communes, offices and first administrator). Without it,
# the Pays des Achards: the Achard (ACH).
BOCAGE_TERRITORY_FILE = env_str("BOCAGE_TERRITORY_FILE", "")
_TERRITORY = territory_load(BOCAGE_TERRITORY_FILE) if BOCAGE_TERRITORY_FILE else None
# The code of the backed local currency; every module names it through this setting.
BOCAGE_LOCAL_UNIT = _TERRITORY.currency.code if _TERRITORY else "ACH"

MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploads: photos of listings are checked, resized and re-encoded; nothing bigger is accepted.
BOCAGE_PHOTO_MAX_BYTES = env_int("BOCAGE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
BOCAGE_PHOTO_MAX_SIDE = env_int("BOCAGE_PHOTO_MAX_SIDE", 1600)
# An exchange delivered and neither confirmed nor disputed is paid automatically after this.
BOCAGE_EXCHANGE_AUTO_CAPTURE_DAYS = env_int("BOCAGE_EXCHANGE_AUTO_CAPTURE_DAYS", 14)
# Crowdfunding: the units campaigns raise (members hold accounts in them), the platform's fee per
# unit (a moderator may change it on approval), and the longest a campaign may run.
BOCAGE_CAMPAIGN_UNITS = env_list("BOCAGE_CAMPAIGN_UNITS", [BOCAGE_LOCAL_UNIT, "HRS"])
BOCAGE_CAMPAIGN_FEE_RATES = {
    BOCAGE_LOCAL_UNIT: env_str("BOCAGE_CAMPAIGN_FEE_RATE_ACH", "0.03"),
    "HRS": "0",
    "GRN": "0",
}
BOCAGE_CAMPAIGN_MAX_DAYS = env_int("BOCAGE_CAMPAIGN_MAX_DAYS", 90)
# Places (bookings): a booking's price is held until the beat captures it this many minutes after
# its end (the time a manager has to mark a no-show instead), and the hold itself expires this many
# hours after the end, a margin well past the capture so a beat that was down a while still pays
# the place (an expired hold pays nothing: it is released).
BOCAGE_PLACES_SETTLE_GRACE_MINUTES = env_int("BOCAGE_PLACES_SETTLE_GRACE_MINUTES", 60)
BOCAGE_PLACES_HOLD_MARGIN_HOURS = env_int("BOCAGE_PLACES_HOLD_MARGIN_HOURS", 72)
# The name and phone of a guest booked at the counter are blanked this long after the booking's end.
BOCAGE_PLACES_GUEST_RETENTION_DAYS = env_int("BOCAGE_PLACES_GUEST_RETENTION_DAYS", 90)
# How often the beat settles the bookings that ended (places.tasks.bookings_settle).
BOCAGE_PLACES_SETTLE_SECONDS = env_int("BOCAGE_PLACES_SETTLE_SECONDS", 600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Units ----------------------------------------------------------------------------------
# Units are configuration. Limits are in major units (euros, hours); None means unbounded.
# member_account: every member opens one account in this unit.
BOCAGE_UNITS: dict[str, dict[str, Any]] = {
    "EUR": {
        "name": _("Euro"),
        "kind": "fiat",
        "decimals": 2,
        "member_account": False,
        "default_min_balance": "0",
        "default_max_balance": None,
    },
    BOCAGE_LOCAL_UNIT: {
        "name": territory_unit_name(_TERRITORY) if _TERRITORY else _("Achard (local currency)"),
        "kind": "backed",
        "decimals": 2,
        "member_account": True,
        "default_min_balance": "0",
        "default_max_balance": None,
        # Demurrage (fonte): `rate` of the balance above `exempt_below`, once per `period`
        # (month, quarter or year). None switches it off.
        "demurrage": territory_demurrage(_TERRITORY)
        if _TERRITORY
        else {
            "rate": env_str("BOCAGE_ACH_DEMURRAGE_RATE", "0.02"),
            "period": env_str("BOCAGE_ACH_DEMURRAGE_PERIOD", "quarter"),
            "exempt_below": env_str("BOCAGE_ACH_DEMURRAGE_EXEMPT_BELOW", "100"),
        },
    },
    "HRS": {
        "name": _("Hours (time bank)"),
        "kind": "mutual_credit",
        "decimals": 2,
        "member_account": True,
        "default_min_balance": env_str("BOCAGE_HRS_MIN", "-20"),
        "default_max_balance": env_str("BOCAGE_HRS_MAX", "100"),
        # The dashboard warns when the account is this close (in hours) to a limit.
        "warning_margin": env_str("BOCAGE_HRS_WARNING_MARGIN", "5"),
    },
    "GRN": {
        "name": _("Grain (SEL unit)"),
        "kind": "mutual_credit",
        "decimals": 2,
        "member_account": True,
        "default_min_balance": env_str("BOCAGE_GRN_MIN", "-500"),
        "default_max_balance": env_str("BOCAGE_GRN_MAX", "2000"),
    },
    # Booking credits (places: plans' allowances and carnets), one unit per kind of credit, never
    # mixed with money. Nobody holds them by default: each plan subscription or carnet gets its own
    # account (system code `credit`), issued by the place that sells it.
    "CRJ": {
        "name": _("Day credits (plans and carnets)"),
        "kind": "credit",
        "decimals": 2,
        "member_account": False,
        "default_min_balance": "0",
        "default_max_balance": None,
    },
    "CRH": {
        "name": _("Hour credits (plans and carnets)"),
        "kind": "credit",
        "decimals": 2,
        "member_account": False,
        "default_min_balance": "0",
        "default_max_balance": None,
    },
}
for _code, _unit in BOCAGE_UNITS.items():
    if _code not in moneyed.CURRENCIES:
        moneyed.add_currency(code=_code, numeric=None, sub_unit=10 ** int(_unit["decimals"]), name=_code)
CURRENCIES = tuple(BOCAGE_UNITS)
CURRENCY_CHOICES = [(code, code) for code in BOCAGE_UNITS]
DEFAULT_CURRENCY = BOCAGE_LOCAL_UNIT

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes anonymous calls answer 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": True,
    # The sensitive API writes (token, transfers, holds, pledges, share requests: see
    # config.throttling) share one rate per user (per address when anonymous); a refusal is
    # 429 {"code": "throttled"} with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.SensitiveRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"sensitive": env_str("BOCAGE_THROTTLE_SENSITIVE", "120/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bocage API",
    "DESCRIPTION": "Ledger, local currency, time bank, SEL, crowdfunding and share register of the Pays des Achards.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.schema.add_error_responses"],
    # Swagger UI served from our own static files: no CDN, works offline and behind a strict CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "MemberKindEnum": "members.models.Member.Kind",
        "AccountKindEnum": "ledger.models.Account.Kind",
        "TransactionKindEnum": "ledger.kinds.choices",
        "AccountStatusEnum": "ledger.models.Account.Status",
        "HoldStatusEnum": "ledger.models.Hold.Status",
        "StandingOrderStatusEnum": "ledger.models.StandingOrder.Status",
        "StandingOrderExecutionStatusEnum": "ledger.models.StandingOrderExecution.Status",
        "PersonalDataExportStatusEnum": "members.models.PersonalDataExport.Status",
    },
}
# --- The association's money rules --------------------------------------------------------
# Reconversion ACH → € (businesses only): the share kept as a fee, posted to the EUR fees account.
BOCAGE_RECONVERSION_FEE_RATE = env_str("BOCAGE_RECONVERSION_FEE_RATE", "0.05")
# Yearly membership fee (adhésion) per member kind, in EUR (or the same amount in ACH).
BOCAGE_MEMBERSHIP_FEES = {"individual": "10", "business": "50", "association": "20"}
# The association, as the debtor of the SEPA credit transfers that pay reconversions.
# The environment wins over the territory's file, which wins over the demo's association.
_ASSOCIATION = _TERRITORY.association if _TERRITORY else None
BOCAGE_ASSOCIATION_NAME = env_str(
    "BOCAGE_ASSOCIATION_NAME", _ASSOCIATION.name if _ASSOCIATION else "Association Monnaie Locale du Pays des Achards"
)
BOCAGE_ASSOCIATION_IBAN = env_str(
    "BOCAGE_ASSOCIATION_IBAN", _ASSOCIATION.iban if _ASSOCIATION else "FR7630006000011234567890189"
)
BOCAGE_ASSOCIATION_BIC = env_str("BOCAGE_ASSOCIATION_BIC", _ASSOCIATION.bic if _ASSOCIATION else "AGRIFRPP")
# The site's publisher and contacts (legal notice, personal data, contact, accessibility pages).
# The demo leaves the legal details blank: the pages then show a visible "[to be completed]".
BOCAGE_PUBLISHER_NAME = env_str("BOCAGE_PUBLISHER_NAME", "SCIC du Pays des Achards")
BOCAGE_PUBLISHER_ADDRESS = env_str("BOCAGE_PUBLISHER_ADDRESS", "")
BOCAGE_PUBLISHER_SIRET = env_str("BOCAGE_PUBLISHER_SIRET", "")
BOCAGE_PUBLISHER_DIRECTOR = env_str("BOCAGE_PUBLISHER_DIRECTOR", "")
BOCAGE_HOST_NAME = env_str("BOCAGE_HOST_NAME", "")
BOCAGE_HOST_ADDRESS = env_str("BOCAGE_HOST_ADDRESS", "")
BOCAGE_CONTACT_EMAIL = env_str("BOCAGE_CONTACT_EMAIL", "contact@bocage.localhost")
# The data protection officer's address (the contact address when blank).
BOCAGE_DPO_EMAIL = env_str("BOCAGE_DPO_EMAIL", "")
# The day the accessibility statement's audit was made (ISO date).
BOCAGE_ACCESSIBILITY_AUDIT_DATE = env_str("BOCAGE_ACCESSIBILITY_AUDIT_DATE", "2026-12-06")
# Membership renewal reminders go out this many days before expiry.
BOCAGE_MEMBERSHIP_REMINDER_DAYS = env_int("BOCAGE_MEMBERSHIP_REMINDER_DAYS", 30)
# Sign-up online (membership.signup): members "hors territoire" allowed, the cooperative's validation
# of new members, the public register lookup of a business's SIREN (empty: off), the link's life,
# the sign-ups per hour from one address (IP or e-mail), the current versions of the documents
# accepted (empty: the latest published).
BOCAGE_SIGNUP_OUTSIDE_TERRITORY = env_bool("BOCAGE_SIGNUP_OUTSIDE_TERRITORY", True)
BOCAGE_SIGNUP_REQUIRES_APPROVAL = env_bool("BOCAGE_SIGNUP_REQUIRES_APPROVAL", False)
BOCAGE_SIRENE_LOOKUP_URL = env_str("BOCAGE_SIRENE_LOOKUP_URL", "")
BOCAGE_SIGNUP_LINK_HOURS = env_int("BOCAGE_SIGNUP_LINK_HOURS", 48)
BOCAGE_SIGNUP_RATE_PER_HOUR = env_int("BOCAGE_SIGNUP_RATE_PER_HOUR", 5)
BOCAGE_TERMS_VERSION = env_str("BOCAGE_TERMS_VERSION", "")
BOCAGE_PRIVACY_VERSION = env_str("BOCAGE_PRIVACY_VERSION", "")
# --- Legal retention (core.retention; the daily task core.tasks.retention_apply) -----------------
# How long each kind of personal data is kept, in days; the privacy notice's retention table shows
# these very numbers. Never deleted by the task: the ledger and the audit log (append-only, kept
# with the books: BOCAGE_RETENTION_ACCOUNTING_YEARS, art. L123-22 Code de commerce).
# Login history (django-axes: IP address, user agent): 13 months, the CNIL's guidance for connection logs.
BOCAGE_RETENTION_LOGIN_LOG_DAYS = env_int("BOCAGE_RETENTION_LOGIN_LOG_DAYS", 395)
# Mails delivered (or given up) in the outbox, with their recipient and body: long enough to answer
# "did you send it?".
BOCAGE_RETENTION_MAIL_DAYS = env_int("BOCAGE_RETENTION_MAIL_DAYS", 90)
# Notifications, counted from when they were read (unread ones stay).
BOCAGE_RETENTION_NOTIFICATION_DAYS = env_int("BOCAGE_RETENTION_NOTIFICATION_DAYS", 365)
# The API's stored answers to requests sent with an Idempotency-Key (a client retries within minutes).
BOCAGE_RETENTION_IDEMPOTENCY_DAYS = env_int("BOCAGE_RETENTION_IDEMPOTENCY_DAYS", 30)
# A confirmed sign-up's form, and a refused application's reason, from the confirmation or decision.
BOCAGE_RETENTION_SIGNUP_DAYS = env_int("BOCAGE_RETENTION_SIGNUP_DAYS", 365)
# The books (ledger, FEC, audit log) and the payee of a euro payout: ten years (art. L123-22 Code de
# commerce); shown by the privacy notice. What the law requires to keep of a member who left
# (members.RetainedRecord, archivage intermédiaire), in years: the payee of a payout, from the
# payout; a former associate's identity in the share register, from the day they left. The daily
# retention task (core.tasks.retention_apply, members.retention) deletes the records past their date.
BOCAGE_RETENTION_ACCOUNTING_YEARS = env_int("BOCAGE_RETENTION_ACCOUNTING_YEARS", 10)
BOCAGE_RETENTION_SHARE_REGISTER_YEARS = env_int("BOCAGE_RETENTION_SHARE_REGISTER_YEARS", 10)
# Links in mails: the address the site is served at (the embedded run serves on $PORT).
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}")

# --- Books: the FEC (Fichier des Écritures Comptables, art. A47 A-1 LPF) ----------------------
# Every ledger entry becomes one FEC line on an account of the plan comptable. The sign: a ledger
# amount raises its account's balance, and every balance is what the association owes its holder
# (a member's ACH, the guarantee set aside for them, fees earned, capital subscribed), so a `+`
# is a Credit and a `−` a Debit. The EUR `world` account — the euros of the outside, which are
# the association's bank once they come in — is therefore the bank (512): a conversion debits
# 512 and credits the guarantee fund, a fee credits 706, a subscription credits 101.
# Keys, most specific first: "UNIT.system_code@transaction_kind", "UNIT.system_code",
# "*.system_code"; for members "UNIT.member.kind", "UNIT.member", "*.member.kind", "*.member";
# "*" catches anything else. Values: (CompteNum, CompteLib). A member's line also names the
# member as the auxiliary account (CompAuxNum = member id, CompAuxLib = name).
BOCAGE_FEC_ACCOUNTS: dict[str, tuple[str, str]] = {
    "EUR.world": ("512000", "Banque"),
    "EUR.guarantee_fund": ("467100", "Fonds de garantie de la monnaie locale"),
    "EUR.fees": ("706000", "Prestations de services (commissions)"),
    "EUR.fees@membership": ("756000", "Cotisations"),
    f"{BOCAGE_LOCAL_UNIT}.fees": ("706000", "Prestations de services (commissions)"),
    f"{BOCAGE_LOCAL_UNIT}.fees@membership": ("756000", "Cotisations"),
    f"{BOCAGE_LOCAL_UNIT}.issuance": ("467900", "Monnaie locale émise (contrepartie)"),
    f"{BOCAGE_LOCAL_UNIT}.demurrage_fund": ("758000", "Produits divers de gestion courante (fonte)"),
    f"{BOCAGE_LOCAL_UNIT}.member": ("467300", "Adhérents - comptes en monnaie locale"),
    "HRS.member": ("467400", "Adhérents - banque de temps (heures)"),
    "GRN.member": ("467500", "Adhérents - SEL (grains)"),
    "*.capital": ("101300", "Capital souscrit - appelé, versé"),
    "*.escrow": ("467200", "Campagnes de financement participatif (séquestre)"),
    "*.fees": ("706000", "Prestations de services (commissions)"),
    "*.world": ("471000", "Compte d'attente (extérieur)"),
    "*.member": ("467000", "Adhérents - autres comptes"),
    "*": ("471000", "Compte d'attente"),
}
# One journal per unit: (JournalCode, JournalLib). Every amount is in euros: ACH is backed 1:1 and
# written at par, so Montantdevise/Idevise stay empty (Idevise takes ISO 4217 codes only). Hours
# and grains are not money: their journals go to the non-statutory file, never to the FEC. A unit
# not listed gets its code as journal.
BOCAGE_FEC_JOURNALS: dict[str, tuple[str, str]] = {
    "EUR": ("EUR", "Opérations en euros"),
    BOCAGE_LOCAL_UNIT: (BOCAGE_LOCAL_UNIT, f"Monnaie locale ({_TERRITORY.currency.name if _TERRITORY else 'Achard'})"),
    "HRS": ("HRS", "Banque de temps (heures)"),
    "GRN": ("GRN", "SEL (grains)"),
}
# The association's SIREN names its file (SIRENFECAAAAMMJJ.txt); empty: FECAAAAMMJJ.txt. A
# cooperative's FEC is named with its own SIREN (cooperative.Cooperative.siren).
BOCAGE_FEC_SIREN = env_str("BOCAGE_FEC_SIREN", _ASSOCIATION.siren if _ASSOCIATION else "")

# Sealing (ledger.sealing): transactions younger than the lag wait for the next run, and the
# sealer waits (PostgreSQL) up to LEDGER_SEAL_WAIT_SECONDS for the transactions in flight, so that
# a posting still in flight is never jumped over; one seal covers at most this many transactions.
LEDGER_SEAL_LAG_SECONDS = env_int("LEDGER_SEAL_LAG_SECONDS", 30)
LEDGER_SEAL_WAIT_SECONDS = env_int("LEDGER_SEAL_WAIT_SECONDS", 10)
LEDGER_SEAL_MAX_TRANSACTIONS = env_int("LEDGER_SEAL_MAX_TRANSACTIONS", 50_000)

# How long an idempotent request may stay in flight before another attempt may take it over
# (the one that died never posted: posting and its ledger key commit together).
BOCAGE_IDEMPOTENCY_IN_FLIGHT_SECONDS = env_int("BOCAGE_IDEMPOTENCY_IN_FLIGHT_SECONDS", 60)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = _BROKER_URL or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Each transport gets only the options it understands (config/brokers.py): Redis's visibility
# timeout (CELERY_VISIBILITY_TIMEOUT seconds) would stop the embedded SQLAlchemy broker's worker.
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL,
    visibility_timeout=env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    connect_timeout=CELERY_BROKER_CONNECTION_TIMEOUT,
)
# Publishing from a web request gives up quickly when the broker is down (core.queueing logs it,
# the beat's sweeps catch up): a payment must not wait for the broker.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Exactly one beat sends, however many run: the others wait on a lock (config/beat.py).
CELERY_BEAT_SCHEDULER = "config.beat:SingleBeatScheduler"
# How often the beat expires due holds and seals the ledger (a test of the embedded run shortens them).
BOCAGE_HOLDS_EXPIRE_SECONDS = env_int("BOCAGE_HOLDS_EXPIRE_SECONDS", 60)
BOCAGE_SEAL_INTERVAL_SECONDS = env_int("BOCAGE_SEAL_INTERVAL_SECONDS", 300)
CELERY_BEAT_SCHEDULE = {
    # Proves a worker is consuming: /readyz and the admin pages say so when it stops (core.heartbeat).
    # Expires: the minutes a stopped worker missed are not worth a backlog to run on its return.
    "config-worker-heartbeat": {
        "task": "config.tasks.worker_heartbeat",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "ledger-expire-holds": {"task": "ledger.tasks.holds_expire_due", "schedule": float(BOCAGE_HOLDS_EXPIRE_SECONDS)},
    "ledger-seal": {"task": "ledger.tasks.seal_ledger", "schedule": float(BOCAGE_SEAL_INTERVAL_SECONDS)},
    "ledger-exports-catch-up": {"task": "ledger.tasks.exports_catch_up", "schedule": 300.0},
    # Pays each due period of the standing orders once, and retries the missed ones (a beat missed is caught up).
    "ledger-standing-orders": {"task": "ledger.tasks.standing_orders_run_due", "schedule": 60.0},
    # Hourly: builds the personal data exports whose task never reached a worker; deletes the files past their date.
    "members-personal-data-exports": {"task": "members.tasks.personal_data_exports_expire", "schedule": 3600.0},
    # Daily: deletes what the law no longer requires to keep of members who left.
    "members-membership-reminders": {"task": "members.tasks.membership_reminders_send", "schedule": 6 * 3600.0},
    "membership-pending-signups-purge": {"task": "membership.tasks.pending_signups_purge", "schedule": 6 * 3600.0},
    # Daily; it charges the period that just ended, and finds nothing to do on the other days.
    "exchange-listings-expiry": {"task": "exchange.tasks.listings_expire_due", "schedule": 3600.0},
    "exchange-auto-capture": {"task": "exchange.tasks.exchanges_auto_capture_due", "schedule": 900.0},
    "crowdfunding-advance": {"task": "crowdfunding.tasks.campaigns_advance", "schedule": 60.0},
    "crowdfunding-updates-catch-up": {"task": "crowdfunding.tasks.campaign_updates_catch_up", "schedule": 300.0},
    # Captures the holds of the bookings that ended (checked in or not): the places are paid.
    "places-bookings-settle": {"task": "places.tasks.bookings_settle", "schedule": float(BOCAGE_PLACES_SETTLE_SECONDS)},
    # Carnets past their last day and plans past their last paid period: hourly is plenty (idempotent).
    "places-carnets-expire": {"task": "places.tasks.carnets_expire", "schedule": 3600.0},
    "places-subscriptions-end": {"task": "places.tasks.subscriptions_end", "schedule": 3600.0},
    "config-mail-catch-up": {"task": "config.tasks.outbound_emails_catch_up", "schedule": 60.0},
    "currency-demurrage": {"task": "currency.tasks.demurrage_apply_due", "schedule": crontab(hour=3, minute=15)},
    # Nightly: personal data past its retention time (core.retention, BOCAGE_RETENTION_*).
    "core-retention": {"task": "core.tasks.retention_apply", "schedule": crontab(hour=2, minute=40)},
}

# --- Mail -----------------------------------------------------------------------------------
# EMAIL_URL (smtp://user:pass@host:587/?tls=1&timeout=10, smtps://…, console://, file:///dir) or
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL; always
# an EMAIL_TIMEOUT (10 s). Embedded default: files in var/mail. Mail is queued in the outbox and
# delivered by the worker (core/mail.py, core/mail_delivery.py), never from a web process.
_MAIL = email_settings(debug=DEBUG, var_dir=str(VAR_DIR))
EMAIL_BACKEND: str = _MAIL["EMAIL_BACKEND"]
EMAIL_FILE_PATH: str = _MAIL["EMAIL_FILE_PATH"]
EMAIL_HOST: str = _MAIL["EMAIL_HOST"]
EMAIL_PORT: int = _MAIL["EMAIL_PORT"]
EMAIL_HOST_USER: str = _MAIL["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD: str = _MAIL["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS: bool = _MAIL["EMAIL_USE_TLS"]
EMAIL_USE_SSL: bool = _MAIL["EMAIL_USE_SSL"]
EMAIL_TIMEOUT: int = _MAIL["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Bocage <noreply@bocage.localhost>")
# A failed delivery is retried after 1, 2, 4, 8… minutes; after this many attempts it is marked failed.
BOCAGE_MAIL_RETRY_SECONDS = env_int("BOCAGE_MAIL_RETRY_SECONDS", 60)
BOCAGE_MAIL_MAX_ATTEMPTS = env_int("BOCAGE_MAIL_MAX_ATTEMPTS", 8)

# --- Production hardening (check --deploy is clean when DEBUG is off) -----------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# --- Operations: logs, health, metrics (docs/PRODUCTION.md) ---------------------------------
# JSON lines with the request id (or Celery task id) in production, readable lines in dev.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = logging_config(
    log_format=LOG_FORMAT,
    level=env_str("LOG_LEVEL", "WARNING"),
    # One line per request (method, path, status, duration_ms, user_id); runserver prints its own.
    access_level=env_str("ACCESS_LOG_LEVEL", "WARNING" if DEBUG else "INFO"),
)
# The worker logs through LOGGING too (JSON, task id on every line) instead of Celery's format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /metrics: the loopback (not through the proxy), these addresses or networks, or the token.
BOCAGE_METRICS_ALLOWED_IPS = env_list("BOCAGE_METRICS_ALLOWED_IPS", [])
BOCAGE_METRICS_TOKEN = env_str("BOCAGE_METRICS_TOKEN", "")
BOCAGE_METRICS_LEDGER_GAUGES = env_bool("BOCAGE_METRICS_LEDGER_GAUGES", True)
# /readyz: how long the broker may take to accept a connection, and the database to connect.
BOCAGE_READYZ_BROKER_TIMEOUT = float(env_str("BOCAGE_READYZ_BROKER_TIMEOUT", "2"))
# /readyz answers 503 naming `worker`, and the admin pages say background work is stopped, when no
# worker has stamped its heartbeat (every minute, from the beat) for this long.
BOCAGE_WORKER_STALE_SECONDS = env_int("BOCAGE_WORKER_STALE_SECONDS", 300)
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database.setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
if not DEBUG:
    # Probes and Prometheus talk plain HTTP to the process itself, not through the TLS proxy.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
