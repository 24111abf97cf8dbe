"""The ledger's refusals, each with a stable code (docs/ARCHITECTURE.md, Interfaces)."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, IdempotencyKeyReused, NotFound
from ledger.units import InvalidAmount, UnitMismatch, UnknownUnit

__all__ = [
    "AccountClosed",
    "AccountFrozen",
    "AccountNotFound",
    "AlreadyReversed",
    "EndBeforeStart",
    "HoldAlreadyResolved",
    "HoldExpired",
    "IdempotencyKeyReused",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidDay",
    "LimitExceeded",
    "MembershipExpired",
    "NoPaymentDue",
    "SameAccount",
    "StandingOrderNotFound",
    "StartInPast",
    "UnbalancedTransaction",
    "UnitMismatch",
    "UnknownUnit",
]


class InsufficientFunds(ApplicationError):
    code = "insufficient_funds"
    default_message = _("The available balance is not enough.")


class LimitExceeded(ApplicationError):
    code = "limit_exceeded"
    default_message = _("This would take the account above its upper limit.")


class AccountFrozen(ApplicationError):
    code = "account_frozen"
    default_message = _("This account is frozen.")


class AccountClosed(ApplicationError):
    code = "account_closed"
    default_message = _("This account is closed.")


class SameAccount(ApplicationError):
    code = "same_account"
    default_message = _("The paying and the receiving accounts must differ.")


class UnbalancedTransaction(ApplicationError):
    code = "unbalanced"
    default_message = _("The entries of each unit must sum to zero.")


class AlreadyReversed(ApplicationError):
    code = "already_reversed"
    default_message = _("This transaction has already been reversed.")


class HoldAlreadyResolved(ApplicationError):
    code = "hold_resolved"
    default_message = _("This hold has already been captured, voided or has expired.")


class HoldExpired(HoldAlreadyResolved):
    code = "hold_expired"
    default_message = _("This hold has expired: the amount it reserved is available again, nothing was paid.")


class MembershipExpired(ApplicationError):
    code = "membership_expired"
    default_message = _("Your membership has expired: renew it to make payments again. Your accounts stay readable.")


class AccountNotFound(NotFound):
    code = "not_found"
    default_message = _("Account not found.")


class StandingOrderNotFound(NotFound):
    code = "not_found"
    default_message = _("Standing order not found.")


class StartInPast(ApplicationError):
    code = "start_in_past"
    default_message = _("The first payment cannot be in the past: start today or later.")


class InvalidDay(ApplicationError):
    code = "invalid_day"
    default_message = _("The day must be 1 (Monday) to 7 (Sunday) for a weekly order, 1 to 31 otherwise.")


class EndBeforeStart(ApplicationError):
    code = "end_before_start"
    default_message = _("The last day must be on or after the first day.")


class NoPaymentDue(ApplicationError):
    code = "no_payment_due"
    default_message = _("No payment falls between the first and the last day: widen the dates.")
