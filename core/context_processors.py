"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.inbox import inbox_for


def inbox(request: HttpRequest) -> dict[str, Any]:
    """`inbox` (`.total`, `.counts` by key, `.items`) for a logged-in user; nothing for a visitor.

    Lazy: the providers' queries run only when a template reads it, and once per request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox": SimpleLazyObject(lambda: inbox_for(request))}
