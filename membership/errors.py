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


class MemberCannotLeave(ApplicationError):
    """Leaving refused: `code` is the first obstacle's (members.leaving.CODES), `obstacles` all of them."""

    code = "member_cannot_leave"
    default_message = _("You cannot leave yet: settle what is listed first.")

    def __init__(self, obstacles: list, message: object = None) -> None:
        super().__init__(message if message is not None else obstacles[0].message)
        self.obstacles = obstacles
        self.code = obstacles[0].code


class NothingToSettle(ApplicationError):
    code = "nothing_to_settle"
    default_message = _("There is nothing left to settle in this account.")


class SettlementNotAllowed(ApplicationError):
    code = "settlement_not_allowed"
    default_message = _("This account cannot be settled this way.")
