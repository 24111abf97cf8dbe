"""Reads of members."""

from __future__ import annotations

from django.utils import timezone

from core.errors import NotFound
from core.typing import Actor, RequestUser, acting_user

from . import tokens
from .models import ApiToken, Member


def member_or_none(actor: Actor) -> Member | None:
    """The member of this user; None for the system, an anonymous visitor or a user who is no member (staff)."""
    user = acting_user(actor)
    return None if user is None else Member.objects.filter(user_id=user.pk).first()


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
