"""Login brute force: the django-axes backend and the lockout answer (page or API JSON)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .api_errors import error_body


class LoginAttemptsBackend(AxesStandaloneBackend):
    """Counts failures of every login that comes through a request (page, API token).

    Authentication without a request (a shell, the test client's `login`) cannot be driven from
    the outside, so it is left to the next backend instead of being refused.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


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
