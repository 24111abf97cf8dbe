"""Login brute force: the django-axes backend and the lockout answer (page or API JSON)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from core.api_errors import error_body


class LoginAttemptsBackend(AxesStandaloneBackend):
    """Counts failures of every login that comes through a request (page, API token).

    Two locks: django-axes's, per username and address (guessing one member's password), and ours,
    per address across usernames beyond a higher limit (password spraying: one password tried on
    many usernames, each of which alone stays under the first limit). Either refuses for the cool-off.

    Authentication without a request (a shell, the test client's `login`) cannot be driven from
    the outside, so it is left to the next backend instead of being refused.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        if settings.AXES_ENABLED and address_failures(request) >= settings.BOCAGE_LOGIN_ADDRESS_FAILURE_LIMIT:
            # Flagged as django-axes flags its own lockouts: its middleware answers with lockout_response.
            request.axes_locked_out = True  # type: ignore[attr-defined]
            raise AxesBackendPermissionDenied("too many failed logins from this address")
        return None


def address_failures(request: HttpRequest) -> int:
    """Failed logins from the request's address within the cool-off, whatever the usernames."""
    address = getattr(request, "axes_ip_address", None)
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )
    return failures["total"] or 0


def locked_out_message() -> str:
    return _("Too many failed login attempts. This account is locked for a while from your address; try again later.")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: JSON for the API, our own page for the site; always 429."""
    status = 429
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("locked_out", locked_out_message()), status=status)
    return render(request, "registration/locked_out.html", {"message": locked_out_message()}, status=status)


class NoStoreWhenAuthenticatedMiddleware:
    """`Cache-Control: no-store` on every answer to a logged-in caller (session or API token).

    Balances, statements and personal data must not stay in a shared or back-button cache. Static
    files never reach this middleware (WhiteNoise answers them first). DRF authenticates a token
    inside the view and sets the Django request's user then, so the check is made on the way out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "Authorization" in request.headers:
            add_never_cache_headers(response)
        return response
