"""The domain errors of members/, with their stable codes (core.api_errors turns them into JSON)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class MemberClosed(ApplicationError):
    code = "member_closed"
    default_message = _("This member is closed.")


class SecondFactorRequired(ApplicationError):
    code = "otp_required"
    status = 401
    default_message = _("This account needs a second factor: send the code of your authenticator app.")


class SecondFactorInvalid(ApplicationError):
    code = "otp_invalid"
    status = 401
    default_message = _("This code is wrong or has already been used.")


class EmailChangeTooFrequent(ApplicationError):
    code = "email_change_rate_limited"
    status = 429
    default_message = _("Too many e-mail changes asked for: try again in an hour.")


class EmailChangeLinkInvalid(ApplicationError):
    code = "email_change_link_invalid"
    status = 400
    default_message = _("This link is invalid, has expired or was already used: ask for the change again.")


class EmailTaken(ApplicationError):
    code = "email_taken"
    status = 409
    default_message = _("This e-mail address is already used by another account.")


class PasswordResetRateLimited(ApplicationError):
    code = "password_reset_rate_limited"
    status = 429
    default_message = _("Too many password reset requests from here or for this address: try again in an hour.")
