"""The list of one's sessions: a row per login (members.UserSession), its last visit, ended at logout.

The `user_logged_in` receiver records the session with a short device label (browser and system
only: no user agent kept, no IP address) and switches the site to the member's language when
they chose one (the language cookie is set on the answer by SessionTouchMiddleware); `user_logged_out` removes the row.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import user_logged_in, user_logged_out
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from .models import UserSession

SEEN_KEY = "_bocage_session_seen"
LANGUAGE_ATTRIBUTE = "_bocage_login_language"

# The first pattern that matches names the browser (Edge and Opera say "Chrome" too: before it).
BROWSERS = [
    (re.compile(r"Edg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"OPR/|Opera"), "Opera"),
    (re.compile(r"SamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"Firefox/|FxiOS/"), "Firefox"),
    (re.compile(r"Chrome/|CriOS/|Chromium/"), "Chrome"),
    (re.compile(r"Safari/"), "Safari"),
]
SYSTEMS = [
    (re.compile(r"Android"), "Android"),
    (re.compile(r"iPhone|iPad|iPod"), "iOS"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Linux"), "Linux"),
]


def device_label(user_agent: str) -> str:
    """« Firefox · Android » from a user agent: the browser and the system, nothing more."""
    browser = next((name for pattern, name in BROWSERS if pattern.search(user_agent)), "")
    system = next((name for pattern, name in SYSTEMS if pattern.search(user_agent)), "")
    return " · ".join(part for part in (browser, system) if part)


def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from .services import user_session_record

    if request is None or not hasattr(request, "session"):
        return
    key = request.session.session_key
    if key:
        user_session_record(user=user, session_key=key, device=device_label(request.headers.get("User-Agent", "")))
        request.session[SEEN_KEY] = int(time.time())
    member = getattr(user, "member", None)
    if member is not None and member.language and member.language in dict(settings.LANGUAGES):
        translation.activate(member.language)
        setattr(request, LANGUAGE_ATTRIBUTE, member.language)


def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session") and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


user_logged_in.connect(_logged_in, dispatch_uid="bocage_user_session_login")
user_logged_out.connect(_logged_out, dispatch_uid="bocage_user_session_logout")


def language_cookie_set(response: HttpResponse, language: str) -> None:
    """Set the language cookie as Django's set_language view does (LocaleMiddleware reads it)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class SessionTouchMiddleware:
    """Writes a session's last visit at most every BOCAGE_SESSION_TOUCH_SECONDS (the time of the last
    write is kept in the session itself: no query on the other requests), and sets the language
    cookie after a login switched to the member's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and user.is_authenticated and session is not None and session.session_key:
            now = int(time.time())
            if now - int(session.get(SEEN_KEY, 0)) >= settings.BOCAGE_SESSION_TOUCH_SECONDS:
                session[SEEN_KEY] = now
                seen = timezone.now()
                if not UserSession.objects.filter(session_key=session.session_key, user=user).update(last_seen_at=seen):
                    try:
                        with transaction.atomic(durable=True):
                            UserSession.objects.create(
                                user=user,
                                session_key=session.session_key,
                                device=device_label(request.headers.get("User-Agent", "")),
                                created_at=seen,
                                last_seen_at=seen,
                            )
                    except IntegrityError:
                        pass  # a concurrent request of the same session wrote it
        response = self.get_response(request)
        language = getattr(request, LANGUAGE_ATTRIBUTE, None)
        if language:
            language_cookie_set(response, language)
        return response
