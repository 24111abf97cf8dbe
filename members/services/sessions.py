"""The list of a user's logged-in sessions, and ending them."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.typing import Actor

from ..models import UserSession


def user_session_record(*, user: Any, session_key: str, device: str) -> UserSession:
    """Note a new login (the user_logged_in receiver); a session key seen again is refreshed."""
    now = timezone.now()
    session, _created = UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "device": device[:60], "created_at": now, "last_seen_at": now}
    )
    return session


def user_session_end(*, session: UserSession, actor: Actor) -> None:
    """End one session: removed from the session store (its browser is logged out) and from the list."""
    with transaction.atomic(durable=True):
        SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
        SessionStore(session_key=session.session_key).delete()
        audit_record(actor=actor, action="user_session_end", target=session.user, device=session.device)
        session.delete()


def user_sessions_end_others(*, user: Any, keep_session_key: str, actor: Actor) -> int:
    """End every session of `user` but the one in use; returns how many."""
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic(durable=True):
        others = list(UserSession.objects.filter(user=user).exclude(session_key=keep_session_key))
        for session in others:
            SessionStore(session_key=session.session_key).delete()
        UserSession.objects.filter(pk__in=[session.pk for session in others]).delete()
        if others:
            audit_record(actor=actor, action="user_sessions_end", target=user, sessions=len(others))
    return len(others)


def user_sessions_end_all(*, user: Any, actor: Actor) -> int:
    """End every session of `user` (on leaving), inside the caller's transaction: removed from the
    session store and from the list. Ending none is no error, so a second call does nothing."""
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic(savepoint=False):
        sessions = list(UserSession.objects.filter(user=user))
        for session in sessions:
            SessionStore(session_key=session.session_key).delete()
        UserSession.objects.filter(pk__in=[session.pk for session in sessions]).delete()
        if sessions:
            audit_record(actor=actor, action="user_sessions_end", target=user, sessions=len(sessions))
    return len(sessions)
