"""The forgotten-password request: limited per address and per e-mail, like the sign-up."""

from __future__ import annotations

from django.conf import settings

from core.ratelimit import hourly_limit_exceeded

from ..errors import PasswordResetRateLimited


def password_reset_rate_check(*, ip: str, email: str) -> None:
    """Count a reset request from this address and for this e-mail (whether it names an account or
    not: the refusal reveals nothing); past the hour's limit, refuse.

    Raises PasswordResetRateLimited.
    """
    limit = settings.BOCAGE_PASSWORD_RESET_RATE_PER_HOUR
    if hourly_limit_exceeded(scope="password-reset", limit=limit, ip=ip, email=email.strip().lower()):
        raise PasswordResetRateLimited()
