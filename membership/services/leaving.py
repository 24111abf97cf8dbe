"""Closing a member with its accounts (by staff, or the member leaving by themselves, then the
erasure of its personal data) and settling what is left before leaving: the gift to the
community fund, the administrator's write-off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from ledger import memos
from ledger.kinds import POSTING
from ledger.locks import lock_accounts, member_accounts_lock
from ledger.models import Account, Transaction
from ledger.selectors import account_get, holds_pending_on, transaction_with_key
from ledger.services import (
    account_status_set,
    standing_orders_cancel_for_accounts,
    system_account,
    transaction_post,
)
from ledger.units import UnitKind, get_unit
from members.erasure import member_erase
from members.errors import MemberClosed
from members.models import Member
from members.services import (
    member_closed_mark,
    user_sessions_end_all,
)
from membership.leaving import account_version, leaving_check, member_accounts
from membership.memos import LEAVING_GIFT, LEAVING_WRITE_OFF

from ..errors import MemberCannotLeave, MemberNotEmpty, NothingToSettle, SettlementNotAllowed


def member_close(*, member: Member, actor: Actor) -> Member:
    """Close a member (staff: the admin action, POST /api/members/{id}/close/): every account must
    be at zero with no open hold. Nothing leaves the ledger. The same steps as leaving
    (member_leave): accounts closed, member marked closed, personal data erased, sessions ended.

    Raises MemberNotEmpty.
    """
    with transaction.atomic():
        accounts = member_accounts_lock(member)
        open_holds = holds_pending_on(accounts)
        if any(account.balance != 0 or account.held != 0 for account in accounts) or open_holds.exists():
            raise MemberNotEmpty()
        _member_close_steps(member=member, accounts=accounts, actor=actor)
    return member


def _member_close_steps(*, member: Member, accounts: list[Account], actor: Actor) -> None:
    """Inside the caller's transaction, its accounts locked and found empty: close the accounts,
    mark the member closed (tokens revoked), end its sessions, erase its personal data
    (pseudonymisation, which also disables the login: members.personal_data_sections' `members/login`).
    Each step leaves alone what is already done. Their standing orders, paying or paid, stop."""
    standing_orders_cancel_for_accounts(account_ids=[account.pk for account in accounts], reason="member_left")
    for account in accounts:
        if account.status != Account.Status.CLOSED:
            account_status_set(account=account, status=Account.Status.CLOSED, actor=actor)
    if member.status != Member.Status.CLOSED:
        member_closed_mark(member=member, actor=actor)
    user_sessions_end_all(user=member.user, actor=actor)
    member_erase(member=member, actor=actor)  # last: it may rewrite what the steps above read


def member_leave(*, member: Member, actor: Actor) -> Member:
    """A member closes their own account (/me/close/, POST /api/members/me/close/): in one
    transaction, its accounts locked, the obstacles checked again (membership.leaving), then the
    steps of member_close and the erasure of its personal data.

    Raises MemberClosed, MemberCannotLeave (code: the first obstacle's; all of them in `obstacles`).
    """
    if member.status == Member.Status.CLOSED:
        raise MemberClosed()

    def attempt() -> Member:
        with transaction.atomic(durable=True):
            accounts = member_accounts_lock(member)
            member.refresh_from_db(fields=["status"])  # a twin request may have closed it meanwhile
            if member.status == Member.Status.CLOSED:
                raise MemberClosed()
            obstacles = leaving_check(member)
            if obstacles:
                raise MemberCannotLeave(obstacles)
            audit_record(actor=actor, action="member_leave", target=member)
            _member_close_steps(member=member, accounts=accounts, actor=actor)
        return member

    return with_retries(attempt)


def _own_account(member: Member, account_id: int) -> Account:
    account = next((account for account in member_accounts(member) if account.pk == account_id), None)
    if account is None:
        raise NotFound()
    return account


def _settlement_post(
    *,
    account: Account,
    version: int,
    key: str,
    counterpart: Account,
    amount_of: Callable[[Account], int],
    memo_code: str,
    actor: Actor,
    action: str,
    **audit: Any,
) -> Transaction:
    """Post a leaving member's settlement once: `amount_of(locked account)` (minor units, raising
    what refuses it) from the account to `counterpart`, audited as `action`, under the idempotency
    key `key`, which names the account's `version` (the id of its last entry when the balance was
    seen): a second submission replays the first posting, a balance that moved since is a Conflict."""
    unit = get_unit(account.unit)

    def attempt() -> Transaction:
        with transaction.atomic(durable=True):
            existing = transaction_with_key(key)
            if existing is not None:
                return existing
            locked = lock_accounts([account.pk])[account.pk]
            if account_version(locked) != version:
                raise Conflict(_("The balance has changed since you saw it: look at it again."))
            minor = amount_of(locked)
            amount = unit.to_money(minor)
            txn = transaction_post(
                legs=[(locked, -amount), (counterpart, amount)],
                kind=POSTING,
                memo=memos.memo(memo_code),
                actor=actor,
                idempotency_key=key,
            )
            audit_record(actor=actor, action=action, target=locked, **audit, amount=minor, transaction=txn.pk)
            return txn

    return with_retries(attempt)


def leaving_gift(*, member: Member, account_id: int, version: int, actor: Actor) -> Transaction:
    """Before leaving, a member gives what is left of their local currency (balance less what is
    on hold) to the community fund (the demurrage fund, where the fonte goes): one posting,
    audited. `version` is the id of the account's last entry when the member saw it
    (membership.leaving.account_version): the idempotency key names it, so a second click replays
    the first gift.

    Raises NotFound (not one's own account), SettlementNotAllowed (not the local currency),
    Conflict (the balance moved since), NothingToSettle, and the ledger's refusals.
    """
    account = _own_account(member, account_id)
    unit = get_unit(account.unit)
    if unit.kind != UnitKind.BACKED:
        raise SettlementNotAllowed(_("Only the local currency can be given to the community fund."))

    def giftable(locked: Account) -> int:
        minor = locked.balance - locked.held
        if minor <= 0:
            raise NothingToSettle()
        return minor

    return _settlement_post(
        account=account,
        version=version,
        key=f"leaving-gift:{member.pk}:{account.pk}:{version}",
        counterpart=system_account(Account.SystemCode.DEMURRAGE_FUND, unit.code),
        amount_of=giftable,
        memo_code=LEAVING_GIFT,
        actor=actor,
        action="leaving_gift",
    )


def leaving_write_off(*, account_id: int, version: int, reason: str, actor: Actor) -> Transaction:
    """An administrator writes off what is left of a leaving member's hours or SEL units (positive
    or negative) to the unit's network account (`world`, unbounded), by a decision whose reason is
    audited. `version` is the id of the account's last entry the administrator saw: the balance
    written off is the one after it, and a second submission replays the first posting.

    Raises PermissionDenied (not staff), InvalidInput (no reason), NotFound, SettlementNotAllowed
    (not mutual credit, or amounts on hold), NothingToSettle, Conflict (the balance moved since).
    """
    staff = acting_user(actor)
    if staff is None or not staff.is_staff:
        raise PermissionDenied(_("Only an administrator writes off a balance."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give the reason for this decision.")]})
    account = account_get(account_id)
    if account.kind != Account.Kind.MEMBER or account.holder is None:
        raise NotFound()
    unit = get_unit(account.unit)
    if unit.kind != UnitKind.MUTUAL_CREDIT:
        raise SettlementNotAllowed(
            _("Only hours and SEL units are written off; the local currency is given or reconverted.")
        )

    def balance(locked: Account) -> int:
        if locked.held:
            raise SettlementNotAllowed(_("Amounts are on hold in this account: wait until they are settled."))
        if locked.balance == 0:
            raise NothingToSettle()
        return locked.balance

    return _settlement_post(
        account=account,
        version=version,
        key=f"leaving-write-off:{account.holder_id}:{account.pk}:{version}",
        counterpart=system_account(Account.SystemCode.WORLD, unit.code),
        amount_of=balance,
        memo_code=LEAVING_WRITE_OFF,
        actor=actor,
        action="leaving_write_off",
        reason=reason,
    )
