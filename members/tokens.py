"""How an API token is recognised: the digest its key is stored under, and the password it was issued under."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_FINGERPRINT_SALT = "bocage.members.ApiToken.password"


def new_key() -> str:
    """A key as DRF's authtoken made them (40 hex digits), so clients see no change."""
    return secrets.token_hex(20)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def password_fingerprint(user: Any, secret: str | bytes | None = None) -> str:
    """A keyed hash of the user's password hash: it changes whenever the password does."""
    return salted_hmac(_FINGERPRINT_SALT, user.password, secret=secret, algorithm="sha256").hexdigest()


def issued_under_current_password(token: Any, user: Any) -> bool:
    # The fallbacks keep tokens alive through a SECRET_KEY rotation, as Django does for sessions.
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if constant_time_compare(token.password_fingerprint, password_fingerprint(user, secret)):
            return True
    return False
