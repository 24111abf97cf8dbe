"""API tokens: one per device, revoked one by one or all at once, their expiry sliding on use."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.typing import Actor

from .. import tokens
from ..models import ApiToken


def api_token_create(*, user: Any, device: str = "", actor: Actor) -> tuple[ApiToken, str]:
    """Issue one more API token to `user` (one per device); returns it and its key, shown only now."""

    key = tokens.new_key()
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            digest=tokens.key_digest(key),
            device=device.strip()[:100],
            password_fingerprint=tokens.password_fingerprint(user),
            created_at=now,
            expires_at=now + datetime.timedelta(days=settings.BOCAGE_API_TOKEN_DAYS),
        )
        audit_record(actor=actor, action="api_token_create", target=token, user=user.pk, device=token.device)
    return token, key


def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Revoke one token; revoking it again changes nothing."""

    with transaction.atomic():
        now = timezone.now()
        if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
            token.revoked_at = now
            audit_record(actor=actor, action="api_token_revoke", target=token, user=token.user_id)
    return token


def api_tokens_revoke_all(*, user: Any, actor: Actor, reason: str) -> int:
    """Revoke every live token of `user` (closing, a second factor turned on); returns how many."""

    with transaction.atomic(savepoint=False):
        live = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True).values_list("pk", flat=True))
        if live:
            ApiToken.objects.filter(pk__in=live).update(revoked_at=timezone.now())
            audit_record(actor=actor, action="api_tokens_revoke", target=user, reason=reason, tokens=live)
    return len(live)


def api_token_touch(*, token: ApiToken) -> None:
    """Slide a token's expiry on use: written at most once per BOCAGE_API_TOKEN_TOUCH_SECONDS, not per request."""
    now = timezone.now()
    if token.last_used_at and (now - token.last_used_at).total_seconds() < settings.BOCAGE_API_TOKEN_TOUCH_SECONDS:
        return
    expires_at = now + datetime.timedelta(days=settings.BOCAGE_API_TOKEN_DAYS)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, expires_at=expires_at)
    token.last_used_at, token.expires_at = now, expires_at
