"""The checks every posting and hold makes: units, status, limits, balance of the legs, idempotency keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import IntegrityError
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.idempotency import existing_for_key  # re-exported: the ledger's services replay by it
from ledger.errors import (
    AccountClosed,
    AccountFrozen,
    InsufficientFunds,
    InvalidAmount,
    LimitExceeded,
    MembershipExpired,
    SameAccount,
    UnbalancedTransaction,
    UnitMismatch,
)
from ledger.models import Account, Hold, Transaction
from ledger.units import get_unit


@dataclass(frozen=True)
class Leg:
    """One side of a posting: a signed amount (minor units) on an account (+ raises its balance)."""

    account_id: int
    amount: int
    unit: str


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def legs_from_money(legs: Iterable[tuple[Account | int, Money]]) -> list[Leg]:
    result = []
    for account, amount in legs:
        unit = get_unit(str(amount.currency))
        account_id = account.pk if isinstance(account, Account) else int(account)
        result.append(Leg(account_id=account_id, amount=unit.to_minor(amount), unit=unit.code))
    return result


class CheckedAccount(Protocol):
    """What the status and limit checks read of an account: an Account, or a batch's LockedRow."""

    unit: str
    balance: int
    held: int
    min_balance: int | None
    max_balance: int | None
    status: str

    @property
    def label(self) -> str: ...


def check_unit(account: CheckedAccount, unit: str) -> None:
    if account.unit != unit:
        raise UnitMismatch(
            _("Account %(account)s is in %(unit)s, not %(given)s.")
            % {"account": account.label, "unit": account.unit, "given": unit}
        )


def check_open(account: CheckedAccount) -> None:
    if account.status == Account.Status.FROZEN:
        raise AccountFrozen(_("Account %(account)s is frozen.") % {"account": account.label})
    if account.status == Account.Status.CLOSED:
        raise AccountClosed(_("Account %(account)s is closed.") % {"account": account.label})


def check_limits(
    account: CheckedAccount, delta: int, held_delta: int = 0, *, balance: int | None = None, held: int | None = None
) -> None:
    """Refuse a move of `delta` (and of `held_delta` on held) that breaks the account's limits;
    `balance` and `held` replace the row's for a check partway through a batch."""
    unit = get_unit(account.unit)
    balance = account.balance if balance is None else balance
    held = account.held if held is None else held
    new_balance = balance + delta
    new_held = held + held_delta
    if account.min_balance is not None and new_balance - new_held < account.min_balance and (delta - held_delta) < 0:
        available = balance - held - account.min_balance
        raise InsufficientFunds(
            _("Not enough available on %(account)s: %(available)s available.")
            % {"account": account.label, "available": unit.format(available)}
        )
    if account.max_balance is not None and new_balance > account.max_balance and delta > 0:
        raise LimitExceeded(
            _("%(account)s would go above its upper limit of %(limit)s.")
            % {"account": account.label, "limit": unit.format(account.max_balance)}
        )


def validate_legs(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise UnbalancedTransaction(_("A transaction needs at least two entries."))
    sums: dict[str, int] = {}
    for leg in legs:
        if leg.amount == 0:
            raise InvalidAmount(_("An entry cannot be zero."))
        sums[leg.unit] = sums.get(leg.unit, 0) + leg.amount
    if any(total != 0 for total in sums.values()):
        raise UnbalancedTransaction()
    if len({leg.account_id for leg in legs}) != len(legs):
        # Two entries on one account would chain a `balance_after` between them that no limit
        # checked (the check is on the net move): a statement could show −0.01 on a floor of 0.
        raise SameAccount(_("An account may appear only once in a transaction."))


def replay_or_raise_duplicate(
    model: type[Transaction] | type[Hold], key: str | None, request_hash: str, exc: IntegrityError
) -> Any:
    """A concurrent twin committed the same key first: answer with its outcome."""
    existing = existing_for_key(model, key, request_hash)
    if existing is None:
        raise exc
    return existing


def check_payer_membership(account: Account) -> None:
    """A member pays only while their yearly membership is valid (system flows are not payments)."""
    if account.kind == Account.Kind.MEMBER and account.holder is not None and not account.holder.membership_valid_on():
        raise MembershipExpired()


def check_pair(from_account: Account, to_account: Account, amount: Money) -> int:
    """Shared checks of a payer/payee pair; returns the amount in minor units."""
    if from_account.pk == to_account.pk:
        raise SameAccount()
    check_payer_membership(from_account)
    if from_account.unit != to_account.unit:
        raise UnitMismatch(
            _("Cannot move value from %(from)s to %(to)s.") % {"from": from_account.unit, "to": to_account.unit}
        )
    unit = get_unit(from_account.unit)
    minor = unit.to_minor(amount)
    if minor <= 0:
        raise InvalidAmount(_("The amount must be greater than zero."))
    return minor
