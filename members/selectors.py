"""Reads of members."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.errors import NotFound
from core.text import search_key
from core.typing import Actor, RequestUser, acting_user

from . import tokens
from .models import ApiToken, Commune, Member, PersonalDataExport, UserSession

# A page asks for its user's member several times (the view, the selectors it calls): read once per
# request. Only for the user object of one request (RequestMemberMiddleware marks it; a fresh one
# is loaded from the session by each request), never for a user object passed around elsewhere.
_REQUEST_SCOPED = "_bocage_request_scoped"
_MEMBER = "_bocage_member"
_UNREAD = object()


def member_or_none(actor: Actor) -> Member | None:
    """The member of this user; None for the system, an anonymous visitor or a user who is no member (staff)."""
    user = acting_user(actor)
    if user is None:
        return None
    scoped = getattr(user, _REQUEST_SCOPED, False)
    if scoped:
        found = getattr(user, _MEMBER, _UNREAD)
        if found is not _UNREAD:
            return found  # type: ignore[return-value]
    member = Member.objects.filter(user_id=user.pk).first()
    if scoped:
        setattr(user, _MEMBER, member)
    return member


class RequestMemberMiddleware:
    """Marks the request's logged-in user so that member_or_none reads their member once per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user._bocage_request_scoped = True  # on the user loaded for this request only
        return self.get_response(request)


def member_of(user: RequestUser) -> Member:
    """The member of this user; NotFound for anyone who is none."""
    member = member_or_none(user)
    if member is None:
        raise NotFound()
    return member


def api_tokens_live_of(user: RequestUser) -> list[ApiToken]:
    """The user's tokens that still answer: not revoked, not expired, issued under the current password."""
    if not user.is_authenticated:
        return []
    rows = ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True, expires_at__gt=timezone.now())
    return [token for token in rows if tokens.issued_under_current_password(token, user)]


def api_token_of(user: RequestUser, pk: int) -> ApiToken:
    """One of the user's own tokens; anyone else's is NotFound, as if it did not exist."""
    token = ApiToken.objects.filter(pk=pk, user_id=user.pk).first() if user.is_authenticated else None
    if token is None:
        raise NotFound()
    return token


SEARCH_MIN_CHARS = 2
SEARCH_LIMIT = 10


def members_search(*, query: str, exclude_user_id: int | None = None, limit: int = SEARCH_LIMIT) -> list[Member]:
    """Active members whose name (or business name: a business's display name) or, for those in the
    directory, commune holds every word typed, accents and case aside ("gabo", "Gabôrit",
    "louis achards"); at most `limit`, by name.

    Fewer than SEARCH_MIN_CHARS letters find nobody (no listing of the whole membership).
    """
    words = search_key(query).split()
    if len("".join(words)) < SEARCH_MIN_CHARS:
        return []
    communes = [(pk, search_key(name)) for pk, name in Commune.objects.values_list("pk", "name")]
    members = Member.objects.filter(status=Member.Status.ACTIVE).select_related("commune")
    for word in words[:6]:
        in_commune = [pk for pk, key in communes if word in key]
        # The commune finds only members who agreed to be in the directory (personal data: a
        # member who did not is found by name alone, and their commune is never shown).
        members = members.filter(Q(search_key__contains=word) | Q(commune_id__in=in_commune, in_directory=True))
    if exclude_user_id is not None:
        members = members.exclude(user_id=exclude_user_id)
    return list(members.order_by("display_name", "pk")[:limit])


def members_named(text: str) -> list[Member]:
    """Active members whose display name is `text`, accents, case and punctuation aside."""
    key = search_key(text)[:255]
    if not key:
        return []
    return list(Member.objects.filter(status=Member.Status.ACTIVE, search_key=key).select_related("commune")[:20])


def personal_data_exports_of(member: Member) -> QuerySet[PersonalDataExport]:
    """A member's personal data exports, the latest first."""
    return PersonalDataExport.objects.filter(member=member).order_by("-created_at", "-id")


def personal_data_export_of(actor: Actor, pk: int) -> PersonalDataExport | None:
    """One export of the actor's own member; None for anyone else's (or none)."""
    member = member_or_none(actor)
    if member is None:
        return None
    return PersonalDataExport.objects.filter(pk=pk, member=member).first()


def user_sessions_of(user: RequestUser) -> list[UserSession]:
    """The user's live sessions, the most recently seen first: a row whose session expired or
    left the session store (a browser that never logged out) is not listed."""
    if not user.is_authenticated:
        return []
    rows = list(UserSession.objects.filter(user_id=user.pk))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if issubclass(store, DatabaseSessionStore):
        live = set(
            store.get_model_class()
            .objects.filter(session_key__in=[row.session_key for row in rows], expire_date__gt=timezone.now())
            .values_list("session_key", flat=True)
        )
        return [row for row in rows if row.session_key in live]
    return [row for row in rows if store().exists(row.session_key)]


def user_session_of(user: RequestUser, pk: int) -> UserSession:
    """One of the user's own sessions; another's is NotFound."""
    session = UserSession.objects.filter(user_id=user.pk, pk=pk).first() if user.is_authenticated else None
    if session is None:
        raise NotFound
    return session


def iban_held_until(member: Member, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Until when the member's reconversions wait after their last change of IBAN
    (BOCAGE_IBAN_CHANGE_HOLD_DAYS), or None when they do not wait."""
    if member.iban_changed_at is None:
        return None
    until = member.iban_changed_at + datetime.timedelta(days=settings.BOCAGE_IBAN_CHANGE_HOLD_DAYS)
    return until if until > (now or timezone.now()) else None
