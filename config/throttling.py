"""Throttling of the sensitive API writes (DRF's throttle, counters in the default cache)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports this module through DEFAULT_THROTTLE_CLASSES
    from rest_framework.request import Request
    from rest_framework.views import APIView


# The writes that move money, grant access or commit a member: the token, transfers, holds,
# pledges, share requests, bookings and leaving (URL names of the API, matched as prefixes).
SENSITIVE_URL_NAMES = (
    "api-token",
    "api-transfers",
    "hold-",
    "api-campaign-pledge",
    "api-cooperative-subscription-request",
    "api-subscription-request-",
    "member-me-close",
    "api-booking",
)


class SensitiveRateThrottle(SimpleRateThrottle):
    """The sensitive API writes under one rate, per user (per address when anonymous).

    Reads and the other writes are not throttled.
    """

    scope = "sensitive"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        match = request.resolver_match
        if match is None or not (match.url_name or "").startswith(SENSITIVE_URL_NAMES):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        if request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
