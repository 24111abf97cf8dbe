"""Refusals of the share register, each with a stable code and a message an administrator can act on."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, NotFound


class CooperativeNotFound(NotFound):
    default_message = _("Cooperative not found.")


class RequestNotFound(NotFound):
    default_message = _("Request not found.")


class BelowMinimumHolding(ApplicationError):
    code = "below_minimum_holding"
    default_message = _("A shareholder must hold at least the statutory minimum of shares (or none).")


class AboveMaximumHolding(ApplicationError):
    code = "above_maximum_holding"
    default_message = _("This would take the shareholder above the statutory maximum of shares.")


class LockUpNotOver(ApplicationError):
    code = "lockup_not_over"
    default_message = _("These shares are still in their lock-up period.")


class CapitalBelowFloor(ApplicationError):
    code = "capital_below_floor"
    default_message = _("This would take the capital below the floor set by the statutes.")


class NotEnoughShares(ApplicationError):
    code = "not_enough_shares"
    default_message = _("The shareholder does not hold that many shares of this class.")


class NotAdmitted(ApplicationError):
    code = "not_admitted"
    default_message = _("Shares can only go to a shareholder the board has admitted.")


class RequestNotPending(ApplicationError):
    code = "request_not_pending"
    default_message = _("This request has already been decided.")


class NotDueYet(ApplicationError):
    code = "not_due_yet"
    default_message = _("This redemption is not due yet.")


class AlreadyCancelled(ApplicationError):
    code = "already_cancelled"
    default_message = _("This movement has already been cancelled.")


class InvalidCollegeWeights(ApplicationError):
    code = "invalid_college_weights"
    default_message = _("The college weights must sum to 100 %.")


class DateOutOfOrder(ApplicationError):
    code = "date_out_of_order"
    default_message = _("A movement cannot be dated before the register's last movement, nor in the future.")
