"""Template context shared by every page: what waits for the user (`inbox`, core.inbox), the number
of their unread notifications (the header's bell) and the bell's accessible name
("Notifications, 3 unread").

Lazy: the queries run only if the page shows one of them, and once per page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, lazy
from django.utils.translation import gettext, ngettext

from core.inbox import inbox_for

from .notifications import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    """`inbox` (`.total`, `.counts` by key, `.items`) for a logged-in user; nothing for a visitor.

    Lazy: the providers' queries run only when a template reads it, and once per request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox": SimpleLazyObject(lambda: inbox_for(request))}


class _Unread:
    def __init__(self, user: Any) -> None:
        self.user = user
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = unread_count(self.user)
        return self._count

    def label(self) -> str:
        count = self.count()
        if not count:
            return gettext("Notifications")
        return ngettext("Notifications, %(count)d unread", "Notifications, %(count)d unread", count) % {"count": count}


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0, "notifications_bell_label": ""}
    unread = _Unread(user)
    return {
        "notifications_unread": SimpleLazyObject(unread.count),
        "notifications_bell_label": lazy(unread.label, str)(),
    }
