"""Opening accounts (member and system), and changing their status and limits."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.typing import Actor
from ledger.errors import AccountClosed, InsufficientFunds, LimitExceeded
from ledger.locks import account_lock
from ledger.models import Account
from ledger.units import all_units, get_unit
from members.models import Member

# Limits of the system accounts, per code: (min_balance, max_balance); None = unbounded.
SYSTEM_ACCOUNT_LIMITS: dict[str, tuple[int | None, int | None]] = {
    Account.SystemCode.WORLD: (None, None),
    Account.SystemCode.ISSUANCE: (None, 0),
    Account.SystemCode.GUARANTEE_FUND: (0, None),
    Account.SystemCode.FEES: (0, None),
    Account.SystemCode.DEMURRAGE_FUND: (0, None),
    Account.SystemCode.ESCROW: (0, None),
    Account.SystemCode.CAPITAL: (0, None),
    Account.SystemCode.PLACE: (0, None),
    Account.SystemCode.CREDIT: (0, None),
}

# The audit log's name for each account status change.
STATUS_ACTIONS: dict[str, str] = {
    Account.Status.FROZEN: "account_freeze",
    Account.Status.OPEN: "account_unfreeze",
    Account.Status.CLOSED: "account_close",
}


def account_open(
    *,
    unit: str,
    actor: Actor,
    holder: Member | None = None,
    system_code: str = "",
    reference: str = "",
    name: str = "",
) -> Account:
    """Open a member account (holder=…) or a system account (system_code=…) with default limits."""
    unit_config = get_unit(unit)
    if holder is not None:
        return Account.objects.create(
            kind=Account.Kind.MEMBER,
            holder=holder,
            unit=unit,
            name=name,
            min_balance=unit_config.default_min_balance,
            max_balance=unit_config.default_max_balance,
        )
    min_balance, max_balance = SYSTEM_ACCOUNT_LIMITS[system_code]
    return Account.objects.create(
        kind=Account.Kind.SYSTEM,
        system_code=system_code,
        reference=reference,
        unit=unit,
        name=name,
        min_balance=min_balance,
        max_balance=max_balance,
    )


def accounts_open_for_member(*, member: Member, actor: Actor) -> list[Account]:
    """Open one account per unit a member holds (settings: member_account), idempotently."""
    accounts = []
    for unit in all_units().values():
        if not unit.member_account:
            continue
        existing = Account.objects.filter(kind=Account.Kind.MEMBER, holder=member, unit=unit.code).first()
        accounts.append(existing or account_open(unit=unit.code, holder=member, actor=actor))
    return accounts


def system_account(code: str, unit: str, reference: str = "") -> Account:
    """The system account for (code, unit, reference), opened on first use."""
    account = Account.objects.filter(kind=Account.Kind.SYSTEM, system_code=code, unit=unit, reference=reference).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return account_open(unit=unit, system_code=code, reference=reference, actor=None)
    except IntegrityError:
        return Account.objects.get(kind=Account.Kind.SYSTEM, system_code=code, unit=unit, reference=reference)


def account_status_set(*, account: Account, status: str, actor: Actor) -> Account:
    """Freeze, unfreeze or close an account. Closing needs a zero balance and no open hold."""
    with transaction.atomic():
        locked = account_lock(account.pk)
        if status == Account.Status.CLOSED and (locked.balance != 0 or locked.held != 0):
            raise AccountClosed(_("Only an account with a zero balance and no open hold can be closed."))
        if locked.status == Account.Status.CLOSED and status != Account.Status.CLOSED:
            raise AccountClosed()
        Account.objects.filter(pk=locked.pk).update(status=status)
        previous, locked.status = locked.status, status
        if previous != status:
            audit_record(
                actor=actor,
                action=STATUS_ACTIONS.get(status, "account_status"),
                target=locked,
                old=previous,
                new=status,
            )
        return locked


def account_limits_set(*, account: Account, min_balance: int | None, max_balance: int | None, actor: Actor) -> Account:
    """Change an account's limits; refused if its current balance would break them."""
    with transaction.atomic():
        locked = account_lock(account.pk)
        if min_balance is not None and locked.balance - locked.held < min_balance:
            raise InsufficientFunds(_("The balance is already below this lower limit."))
        if max_balance is not None and locked.balance > max_balance:
            raise LimitExceeded(_("The balance is already above this upper limit."))
        Account.objects.filter(pk=locked.pk).update(min_balance=min_balance, max_balance=max_balance)
        old = {"min_balance": locked.min_balance, "max_balance": locked.max_balance}
        locked.min_balance, locked.max_balance = min_balance, max_balance
        new = {"min_balance": min_balance, "max_balance": max_balance}
        audit_record(actor=actor, action="limit_change", target=locked, old=old, new=new)
        return locked
