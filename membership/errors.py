"""The membership's domain errors (a closed member's own error, member_closed, is members')."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class MemberNotEmpty(ApplicationError):
    code = "member_not_empty"
    default_message = _("A member can be closed only with zero balances and no open hold.")


class SignupLinkInvalid(ApplicationError):
    code = "signup_link_invalid"
    status = 404
    default_message = _("This link is not valid or has expired: sign up again to get a new one.")


class SignupRateLimited(ApplicationError):
    code = "signup_rate_limited"
    status = 429
    default_message = _("Too many sign-ups from here in the last hour: try again later.")


class ApplicationNotPending(ApplicationError):
    code = "application_not_pending"
    status = 409
    default_message = _("This application has already been decided.")


class MembershipNotApproved(ApplicationError):
    code = "membership_not_approved"
    default_message = _("Your application has not been accepted yet: you can pay your membership once it is.")
