"""Hourly counters in the shared cache, for the public forms that send mail (sign-up, password
reset): count a request under each of its keys (an address, an e-mail); past the limit, refuse.

The keys are hashed: the cache holds neither addresses nor e-mails. The counters live in the
default cache, which production shares between web processes (config/checks.py).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache

HOUR = 3600


def client_address(request: Any) -> str:
    """The address a request came from, as django-axes resolved it (behind the configured proxies),
    else the socket's: what the hourly counters count per address."""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")


def _key(scope: str, what: str, value: str) -> str:
    return f"{scope}-rate:" + hashlib.sha256(f"{what}:{value}".encode()).hexdigest()


def hourly_limit_exceeded(*, scope: str, limit: int, **values: str) -> bool:
    """Count one request under each named value (ip=…, email=…); True when any count passes `limit`
    within the hour its first request opened."""
    keys = [_key(scope, what, value or "?") for what, value in sorted(values.items())]
    for key in keys:
        cache.add(key, 0, timeout=HOUR)
    return max(cache.incr(key) for key in keys) > limit
