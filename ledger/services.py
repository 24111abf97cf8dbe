"""Every write to the ledger. Nothing else creates or changes a ledger row.

Postings compose: another app's service may call them inside its own atomic block, so that its
row and the ledger transaction it explains commit together (the posting then runs in a
savepoint, and retries are left to the outermost caller).

A posting locks the accounts it touches in ascending id order (one SELECT … FOR NO KEY UPDATE,
which also looks the idempotency key up), checks status, unit and limits under the lock, inserts
the transaction and its entries and moves the balances (one statement on PostgreSQL: four round
trips in all with BEGIN and COMMIT), and commits. Serialization failures and deadlocks are
retried a bounded number of times; an idempotency key makes a retry post nothing twice.
Many transfers at once: transactions_post_batch (bulk inserts, one transaction).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record
from core.errors import ApplicationError, InvalidInput
from core.retries import with_retries
from core.typing import Actor, acting_user
from members.models import Member

from .errors import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
    AlreadyReversed,
    HoldAlreadyResolved,
    HoldExpired,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidAmount,
    LimitExceeded,
    MembershipExpired,
    SameAccount,
    UnbalancedTransaction,
    UnitMismatch,
)
from .models import Account, Entry, Hold, Transaction
from .units import Unit, all_units, get_unit

# Limits of the system accounts, per code: (min_balance, max_balance); None = unbounded.
SYSTEM_ACCOUNT_LIMITS: dict[str, tuple[int | None, int | None]] = {
    Account.SystemCode.WORLD: (None, None),
    Account.SystemCode.ISSUANCE: (None, 0),
    Account.SystemCode.GUARANTEE_FUND: (0, None),
    Account.SystemCode.FEES: (0, None),
    Account.SystemCode.DEMURRAGE_FUND: (0, None),
    Account.SystemCode.ESCROW: (0, None),
    Account.SystemCode.CAPITAL: (0, None),
}

# The audit log's name for each account status change.
STATUS_ACTIONS: dict[str, str] = {
    Account.Status.FROZEN: "account_freeze",
    Account.Status.OPEN: "account_unfreeze",
    Account.Status.CLOSED: "account_close",
}


# An entry to write: (account_id, unit, amount, balance_after).
EntryRow = tuple[int, str, int, int]
# A batch's entry: (position of its transfer in the batch, from 1), account id, unit, amount, balance_after.
BatchEntryRow = tuple[int, int, str, int, int]
# A batch's transfer to write: the transfer, its amount in minor units, its unit, its request hash.
BatchRow = tuple["BatchTransfer", int, str, str]


@dataclass(frozen=True)
class Leg:
    """One side of a posting: a signed amount (minor units) on an account (+ raises its balance)."""

    account_id: int
    amount: int
    unit: str


# --- accounts ---------------------------------------------------------------------------------


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
        locked = Account.objects.select_for_update().get(pk=account.pk)
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
        locked = Account.objects.select_for_update().get(pk=account.pk)
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


# --- postings ---------------------------------------------------------------------------------


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _legs_from_money(legs: Iterable[tuple[Account | int, Money]]) -> list[Leg]:
    result = []
    for account, amount in legs:
        unit = get_unit(str(amount.currency))
        account_id = account.pk if isinstance(account, Account) else int(account)
        result.append(Leg(account_id=account_id, amount=unit.to_minor(amount), unit=unit.code))
    return result


def _account_columns(only: Sequence[str] | None = None) -> tuple[list[str], str]:
    fields = [field for field in Account._meta.concrete_fields if only is None or field.attname in only]
    return [field.attname for field in fields], ", ".join(f"a.{field.column}" for field in fields)


# What a batch reads of its accounts; the other columns stay deferred (loaded if an error message
# needs the account's label). A thousand accounts built from 9 columns cost half of 13.
BATCH_ACCOUNT_FIELDS = ("id", "kind", "holder_id", "unit", "balance", "held", "min_balance", "max_balance", "status")


def _bigint_array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers, to pass as one parameter cast to bigint[] (anything
    but integers fails the cast): psycopg adapts a list element by element in Python, ≈ 5 times
    slower for the thousands a batch sends."""
    return "{" + ",".join(map(str, values)) + "}"


def _text_array(values: Iterable[str | None]) -> str:
    """A PostgreSQL array literal of strings (None is NULL), for one parameter cast to varchar[]:
    every element is double-quoted with its backslashes and double quotes escaped, so commas,
    braces, spaces or the word NULL inside a memo stay text."""
    quoted = (
        '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' if value is not None else "NULL" for value in values
    )
    return "{" + ",".join(quoted) + "}"


def _lock_sql(count: int, *, with_key: bool, only: Sequence[str] | None = None) -> str:
    # PostgreSQL: one array parameter (the statement is the same for any number of accounts).
    match = "= ANY(%s::bigint[])" if connection.vendor == "postgresql" else f"IN ({', '.join(['%s'] * count)})"
    existing = (
        ", (SELECT t.id FROM ledger_transaction t WHERE t.idempotency_key = %s) AS existing_transaction_id"
        if with_key
        else ""
    )
    lock = " FOR NO KEY UPDATE OF a" if connection.vendor == "postgresql" else ""
    # Only placeholders and fixed fragments are formatted in; every value is a parameter.
    columns = _account_columns(only)[1]
    return f"SELECT {columns}{existing} FROM ledger_account a WHERE a.id {match} ORDER BY a.id{lock}"  # noqa: S608


def _lock(account_ids: Iterable[int], idempotency_key: str | None = None) -> tuple[dict[int, Account], int | None]:
    """Lock the accounts in ascending id order and look the key up, in one round trip."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}, None
    with_key = idempotency_key is not None
    params: list[Any] = [idempotency_key] if with_key else []
    params += [_bigint_array(ids)] if connection.vendor == "postgresql" else ids
    # NO KEY: writers of an account still queue, but the foreign-key checks of rows that only
    # point at it (a hold towards it) do not, so they cannot deadlock against this id order.
    sql = _lock_sql(len(ids), with_key=with_key)
    existing: int | None = None
    if connection.vendor == "postgresql":
        # psycopg already returns every column as its Python value: build the accounts directly
        # (a RawQuerySet spent more CPU mapping columns than the query took).
        names = _account_columns()[0]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        accounts = {}
        for row in rows:
            account = Account.from_db(connection.alias, names, row[: len(names)])
            accounts[account.pk] = account
        existing = rows[0][len(names)] if with_key and rows else None
    else:
        # SQLite returns dates as text: the ORM's converters are needed.
        raw_rows = list(Account.objects.raw(sql, params))
        accounts = {account.pk: account for account in raw_rows}
        existing = getattr(raw_rows[0], "existing_transaction_id", None) if with_key and raw_rows else None
    if len(accounts) != len(ids):
        raise AccountNotFound()
    return accounts, existing


def lock_accounts(account_ids: Iterable[int]) -> dict[int, Account]:
    """Lock the accounts in ascending id order (one query) and return them by id.

    Public for services that must decide an amount under the lock (demurrage) and then
    `post_locked` it; everything else calls transaction_post or transfer_create.
    """
    return _lock(account_ids)[0]


class CheckedAccount(Protocol):
    """What the status and limit checks read of an account: an Account, or a batch's _LockedRow."""

    unit: str
    balance: int
    held: int
    min_balance: int | None
    max_balance: int | None
    status: str

    @property
    def label(self) -> str: ...


class _LockedRow:
    """An account row as a batch reads it under its lock: the fields its checks use and nothing
    more (a thousand of these cost a tenth of a thousand Account instances). The label, for an
    error message only, is read from the Account then."""

    __slots__ = BATCH_ACCOUNT_FIELDS
    id: int
    kind: str
    holder_id: int | None
    unit: str
    balance: int
    held: int
    min_balance: int | None
    max_balance: int | None
    status: str

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)

    @property
    def label(self) -> str:
        return Account.objects.get(pk=self.id).label


def _batch_lock(account_ids: set[int]) -> dict[int, _LockedRow]:
    """Lock the batch's accounts in ascending id order (one query) and read what the checks need."""
    names = _account_columns(BATCH_ACCOUNT_FIELDS)[0]
    if connection.vendor == "postgresql":
        ids = sorted(account_ids)
        with connection.cursor() as cursor:
            cursor.execute(_lock_sql(len(ids), with_key=False, only=BATCH_ACCOUNT_FIELDS), [_bigint_array(ids)])
            rows = [_LockedRow(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
        if len(rows) != len(ids):
            raise AccountNotFound()
    else:
        locked = lock_accounts(account_ids).values()
        rows = [_LockedRow(**{name: getattr(account, name) for name in names}) for account in locked]
    return {row.id: row for row in rows}


def _check_unit(account: CheckedAccount, unit: str) -> None:
    if account.unit != unit:
        raise UnitMismatch(
            _("Account %(account)s is in %(unit)s, not %(given)s.")
            % {"account": account.label, "unit": account.unit, "given": unit}
        )


def _check_open(account: CheckedAccount) -> None:
    if account.status == Account.Status.FROZEN:
        raise AccountFrozen(_("Account %(account)s is frozen.") % {"account": account.label})
    if account.status == Account.Status.CLOSED:
        raise AccountClosed(_("Account %(account)s is closed.") % {"account": account.label})


def _check_limits(account: CheckedAccount, delta: int, held_delta: int = 0, *, balance: int | None = None) -> None:
    """Refuse a move of `delta` (and of `held_delta` on held) that breaks the account's limits;
    `balance` replaces the row's balance for a check partway through a batch."""
    unit = get_unit(account.unit)
    balance = account.balance if balance is None else balance
    new_balance = balance + delta
    new_held = account.held + held_delta
    if account.min_balance is not None and new_balance - new_held < account.min_balance and (delta - held_delta) < 0:
        available = balance - account.held - account.min_balance
        raise InsufficientFunds(
            _("Not enough available on %(account)s: %(available)s available.")
            % {"account": account.label, "available": unit.format(available)}
        )
    if account.max_balance is not None and new_balance > account.max_balance and delta > 0:
        raise LimitExceeded(
            _("%(account)s would go above its upper limit of %(limit)s.")
            % {"account": account.label, "limit": unit.format(account.max_balance)}
        )


def _validate_legs(legs: Sequence[Leg]) -> None:
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


def _existing_for_key(model: type[Transaction] | type[Hold], key: str | None, request_hash: str) -> Any:
    if key is None:
        return None
    existing = model.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return existing


def post_locked(
    *,
    legs: Sequence[Leg],
    accounts: dict[int, Account],
    kind: str,
    memo: str,
    actor: Actor,
    idempotency_key: str | None,
    request_hash: str,
    reverses: Transaction | None = None,
    held_release: dict[int, int] | None = None,
    at: datetime | None = None,
) -> Transaction:
    """Write a posting whose accounts are already locked. Caller owns the transaction."""
    held_release = held_release or {}
    deltas: dict[int, int] = {}
    for leg in legs:
        _check_unit(accounts[leg.account_id], leg.unit)
        deltas[leg.account_id] = deltas.get(leg.account_id, 0) + leg.amount
    for account_id, delta in deltas.items():
        account = accounts[account_id]
        _check_open(account)
        _check_limits(account, delta, -held_release.get(account_id, 0))

    txn = Transaction(
        kind=kind,
        memo=memo[:255],
        actor=acting_user(actor),
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        reverses=reverses,
        created_at=at or timezone.now(),
    )
    running = {account_id: accounts[account_id].balance for account_id in deltas}
    entries: list[EntryRow] = []
    for leg in legs:
        running[leg.account_id] += leg.amount
        entries.append((leg.account_id, leg.unit, leg.amount, running[leg.account_id]))
    touched = set(deltas) | set(held_release)
    if connection.vendor == "postgresql":
        _write_posting_postgresql(txn, entries, {pk: (deltas.get(pk, 0), held_release.get(pk, 0)) for pk in touched})
    else:
        _write_posting_orm(txn, entries, deltas, held_release, touched)
    for account_id in touched:
        account = accounts[account_id]
        account.balance += deltas.get(account_id, 0)
        account.held -= held_release.get(account_id, 0)
    return txn


# One statement writes the whole posting: the transaction, its entries and the balances. The
# database still checks every row as before (CHECKs on the account rows, the entry chain
# trigger, the deferred zero-sum and account-total triggers at COMMIT, the foreign keys at the
# end of the statement); only the round trips go, from three to one.
POSTING_SQL = """
WITH txn AS (
    INSERT INTO ledger_transaction (kind, memo, actor_id, created_at, idempotency_key, request_hash, reverses_id)
    VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id
), entries AS (
    INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)
    SELECT txn.id, leg.account_id, leg.unit, leg.amount, leg.balance_after
    FROM txn, unnest(%s::bigint[], %s::varchar[], %s::bigint[], %s::bigint[]) WITH ORDINALITY
        AS leg(account_id, unit, amount, balance_after, position)
    ORDER BY leg.position
    RETURNING id
), balances AS (
    UPDATE ledger_account AS a SET balance = a.balance + d.delta, held = a.held - d.released
    FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS d(id, delta, released)
    WHERE a.id = d.id
    RETURNING a.id
)
SELECT id, (SELECT array_agg(id ORDER BY id) FROM entries), (SELECT count(*) FROM balances) FROM txn
"""


def _write_posting_postgresql(txn: Transaction, entries: list[EntryRow], moves: dict[int, tuple[int, int]]) -> None:
    ids = sorted(moves)
    with connection.cursor() as cursor:
        cursor.execute(
            POSTING_SQL,
            [
                txn.kind,
                txn.memo,
                txn.actor_id,
                txn.created_at,
                txn.idempotency_key,
                txn.request_hash,
                txn.reverses_id,
                [entry[0] for entry in entries],
                [entry[1] for entry in entries],
                [entry[2] for entry in entries],
                [entry[3] for entry in entries],
                ids,
                [moves[pk][0] for pk in ids],
                [moves[pk][1] for pk in ids],
            ],
        )
        row = cursor.fetchone()
    assert row is not None and len(row[1]) == len(entries) and row[2] == len(ids)
    txn.pk = row[0]
    txn._state.adding = False
    txn._state.db = connection.alias
    _remember_entries(
        txn,
        [
            Entry(id=pk, transaction_id=txn.pk, account_id=account_id, unit=unit, amount=amount, balance_after=after)
            for pk, (account_id, unit, amount, after) in zip(row[1], entries, strict=True)
        ],
    )
    # Receivers of post_save (the metrics) see the posting as if it had been saved by the ORM.
    post_save.send(
        sender=Transaction, instance=txn, created=True, update_fields=None, raw=False, using=connection.alias
    )


def _remember_entries(txn: Transaction, entries: list[Entry]) -> None:
    """Keep the entries just written on the transaction (`written_entries`) for its answer. They
    point at it by id only: no reference cycle for the garbage collector to chase."""
    for entry in entries:
        entry._state.adding = False
        entry._state.db = connection.alias
    txn.written_entries = entries


def _write_posting_orm(
    txn: Transaction, entries: list[EntryRow], deltas: dict[int, int], held_release: dict[int, int], touched: set[int]
) -> None:
    txn.save(force_insert=True)
    written = Entry.objects.bulk_create(
        [
            Entry(transaction_id=txn.pk, account_id=account_id, unit=unit, amount=amount, balance_after=balance_after)
            for account_id, unit, amount, balance_after in entries
        ]
    )
    if all(entry.pk is not None for entry in written):
        _remember_entries(txn, written)
    update: dict[str, Any] = {
        "balance": F("balance")
        + Case(*[When(pk=pk, then=Value(deltas.get(pk, 0))) for pk in touched], default=Value(0))
    }
    if held_release:
        update["held"] = F("held") - Case(
            *[When(pk=pk, then=Value(amount)) for pk, amount in held_release.items()], default=Value(0)
        )
    Account.objects.filter(pk__in=touched).update(**update)


def _replay_or_raise_duplicate(
    model: type[Transaction] | type[Hold], key: str | None, request_hash: str, exc: IntegrityError
) -> Any:
    """A concurrent twin committed the same key first: answer with its outcome."""
    existing = _existing_for_key(model, key, request_hash)
    if existing is None:
        raise exc
    return existing


def transaction_post(
    *,
    legs: Iterable[tuple[Account | int, Money]],
    kind: str = Transaction.Kind.POSTING,
    memo: str = "",
    actor: Actor,
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> Transaction:
    """Post a multi-leg, multi-unit transaction atomically.

    `at` dates the transaction in the past: for imports and the demo's history only (entries keep
    their order by id, so balance_after stays a true running balance).

    Raises UnbalancedTransaction, InvalidAmount, UnitMismatch, AccountNotFound, AccountFrozen,
    AccountClosed, InsufficientFunds, LimitExceeded, IdempotencyKeyReused.
    """
    leg_list = _legs_from_money(legs)
    _validate_legs(leg_list)
    request_hash = request_fingerprint(
        ["post", kind, memo, [(leg.account_id, leg.amount, leg.unit) for leg in leg_list]]
    )

    def attempt() -> Transaction:
        with transaction.atomic():
            accounts, existing_id = _lock((leg.account_id for leg in leg_list), idempotency_key)
            if existing_id is not None:
                return _existing_for_key(Transaction, idempotency_key, request_hash)
            try:
                return post_locked(
                    legs=leg_list,
                    accounts=accounts,
                    kind=kind,
                    memo=memo,
                    actor=actor,
                    idempotency_key=idempotency_key,
                    request_hash=request_hash,
                    at=at,
                )
            except ApplicationError:
                # The key was looked up in the snapshot taken before the lock was granted: a twin
                # that committed while we waited answers with its outcome, not with this refusal.
                existing = _existing_for_key(Transaction, idempotency_key, request_hash)
                if existing is not None:
                    return existing
                raise

    try:
        return with_retries(attempt)
    except IntegrityError as exc:
        return _replay_or_raise_duplicate(Transaction, idempotency_key, request_hash, exc)


def _check_payer_membership(account: Account) -> None:
    """A member pays only while their yearly membership is valid (system flows are not payments)."""
    if account.kind == Account.Kind.MEMBER and account.holder is not None and not account.holder.membership_valid_on():
        raise MembershipExpired()


def _check_pair(from_account: Account, to_account: Account, amount: Money) -> int:
    """Shared checks of a payer/payee pair; returns the amount in minor units."""
    if from_account.pk == to_account.pk:
        raise SameAccount()
    _check_payer_membership(from_account)
    if from_account.unit != to_account.unit:
        raise UnitMismatch(
            _("Cannot move value from %(from)s to %(to)s.") % {"from": from_account.unit, "to": to_account.unit}
        )
    unit = get_unit(from_account.unit)
    minor = unit.to_minor(amount)
    if minor <= 0:
        raise InvalidAmount(_("The amount must be greater than zero."))
    return minor


def transfer_create(
    *,
    from_account: Account,
    to_account: Account,
    amount: Money,
    memo: str = "",
    actor: Actor,
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> Transaction:
    """Move `amount` from one account to another of the same unit.

    Raises SameAccount, UnitMismatch, InvalidAmount, MembershipExpired and whatever
    transaction_post raises.
    """
    _check_pair(from_account, to_account, amount)
    return transaction_post(
        legs=[(from_account, -amount), (to_account, amount)],
        kind=Transaction.Kind.TRANSFER,
        memo=memo,
        actor=actor,
        idempotency_key=idempotency_key,
        at=at,
    )


@dataclass(frozen=True)
class BatchTransfer:
    """One transfer of a batch: `amount` from one account to another of the same unit."""

    from_account_id: int
    to_account_id: int
    amount: Money
    memo: str = ""
    idempotency_key: str | None = None


def _batch_request_hash(transfer: BatchTransfer, minor: int) -> str:
    # The same fingerprint as transfer_create's, so a key first used by either answers both.
    legs = [(transfer.from_account_id, -minor, str(transfer.amount.currency))]
    legs.append((transfer.to_account_id, minor, str(transfer.amount.currency)))
    return request_fingerprint(["post", Transaction.Kind.TRANSFER, transfer.memo, legs])


def _batch_check_payers(accounts: dict[int, _LockedRow], payer_ids: set[int]) -> None:
    """Membership of the paying members (Member.membership_valid_on today), in one query."""
    holder_ids: set[int] = set()
    for pk in payer_ids:
        holder_id = accounts[pk].holder_id
        if accounts[pk].kind == Account.Kind.MEMBER and holder_id is not None:
            holder_ids.add(holder_id)
    if not holder_ids:
        return
    # PostgreSQL: the ids as one array parameter rather than a placeholder each.
    ids: Any = (
        RawSQL("SELECT unnest(%s::bigint[])", [_bigint_array(holder_ids)])
        if connection.vendor == "postgresql"
        else holder_ids
    )
    # Member.membership_valid_on, for all of them at once: a NULL date is expired too (exclude keeps NULLs).
    expired = Member.objects.filter(pk__in=ids).exclude(membership_expires_on__gte=timezone.localdate()).exists()
    if expired:
        raise MembershipExpired()


# The whole batch in one statement: transaction ids drawn first (so each entry knows its
# transaction by position), then the transactions, the entries in order (ids ascending, so each
# balance_after follows the one before it) and every touched balance. The database checks all
# of it as for a single posting: the chain at the end of the statement, the zero-sum and the
# account totals at COMMIT, set-based (migration 0008).
BATCH_SQL = """
WITH ids AS MATERIALIZED (
    SELECT nextval(sequence.name) AS id, position
    FROM (SELECT pg_get_serial_sequence('ledger_transaction', 'id')::regclass AS name) AS sequence,
        generate_series(1, %(count)s) AS position
), txn AS (
    INSERT INTO ledger_transaction (id, kind, memo, actor_id, created_at, idempotency_key, request_hash)
    SELECT ids.id, %(kind)s, t.memo, %(actor)s, %(created_at)s, t.idempotency_key, t.request_hash
    FROM unnest(%(memos)s::varchar[], %(keys)s::varchar[], %(hashes)s::varchar[]) WITH ORDINALITY
        AS t(memo, idempotency_key, request_hash, position)
    JOIN ids USING (position)
    ORDER BY position
    RETURNING 1
), entries AS (
    INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)
    SELECT ids.id, e.account_id, (%(units)s::varchar[])[e.transfer], e.amount, e.balance_after
    FROM unnest(%(transfer)s::bigint[], %(account)s::bigint[], %(amount)s::bigint[], %(after)s::bigint[])
        WITH ORDINALITY AS e(transfer, account_id, amount, balance_after, position)
    JOIN ids ON ids.position = e.transfer
    ORDER BY e.position
    RETURNING 1
), balances AS (
    UPDATE ledger_account AS a SET balance = a.balance + d.delta
    FROM unnest(%(moved)s::bigint[], %(delta)s::bigint[]) AS d(id, delta)
    WHERE a.id = d.id
    RETURNING 1
)
SELECT (SELECT array_agg(id ORDER BY position) FROM ids),
       (SELECT count(*) FROM txn), (SELECT count(*) FROM entries), (SELECT count(*) FROM balances)
"""


def _batch_existing(keys: list[str]) -> dict[str | None, Transaction]:
    """The transactions already posted under any of these keys, by key (one query; only asked
    once a write has met a key already used)."""
    return {txn.idempotency_key: txn for txn in Transaction.objects.filter(idempotency_key__in=keys)} if keys else {}


def _batch_write_postgresql(
    rows: list[BatchRow],
    entries: list[BatchEntryRow],
    deltas: dict[int, int],
    *,
    actor_id: int | None,
    created_at: datetime,
) -> list[Transaction]:
    """One statement (BATCH_SQL); returns the new transactions in the order of `rows`."""
    kind = Transaction.Kind.TRANSFER
    memos = [row[0].memo[:255] for row in rows]
    keys = [row[0].idempotency_key for row in rows]
    hashes = [row[3] for row in rows]
    moved = list(deltas)
    with connection.cursor() as cursor:
        cursor.execute(
            BATCH_SQL,
            {
                "count": len(rows),
                "kind": kind,
                "actor": actor_id,
                "created_at": created_at,
                "memos": _text_array(memos),
                "keys": _text_array(keys),
                "hashes": _text_array(hashes),
                "units": _text_array(row[2] for row in rows),
                "transfer": _bigint_array(entry[0] for entry in entries),
                "account": _bigint_array(entry[1] for entry in entries),
                "amount": _bigint_array(entry[3] for entry in entries),
                "after": _bigint_array(entry[4] for entry in entries),
                "moved": _bigint_array(moved),
                "delta": _bigint_array(deltas[pk] for pk in moved),
            },
        )
        ids, txn_count, entry_count, balance_count = cursor.fetchone()
    assert (txn_count, entry_count, balance_count) == (len(rows), len(entries), len(moved))
    # The rows as written, without a query to read them back.
    names = ["id", "kind", "memo", "actor_id", "created_at", "idempotency_key", "request_hash", "reverses_id"]
    return [
        Transaction.from_db(connection.alias, names, (pk, kind, memo, actor_id, created_at, key, request_hash, None))
        for pk, memo, key, request_hash in zip(ids, memos, keys, hashes, strict=True)
    ]


def _batch_write_orm(
    rows: list[BatchRow],
    entries: list[BatchEntryRow],
    deltas: dict[int, int],
    *,
    actor_id: int | None,
    created_at: datetime,
) -> list[Transaction]:
    """SQLite: bulk inserts, then one executemany for the balances."""
    posted = Transaction.objects.bulk_create(
        [
            Transaction(
                kind=Transaction.Kind.TRANSFER,
                memo=transfer.memo[:255],
                actor_id=actor_id,
                idempotency_key=transfer.idempotency_key,
                request_hash=request_hash,
                created_at=created_at,
            )
            for transfer, _, _, request_hash in rows
        ]
    )
    Entry.objects.bulk_create(
        [
            Entry(
                transaction=posted[position - 1], account_id=account_id, unit=unit, amount=amount, balance_after=after
            )
            for position, account_id, unit, amount, after in entries
        ]
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE ledger_account SET balance = balance + %s WHERE id = %s",
            [(delta, pk) for pk, delta in deltas.items()],
        )
    return posted


def _count_batch(per_unit: dict[str, int]) -> None:
    from core.metrics import record_postings  # imported here: the metrics stay optional to the ledger

    for unit, count in per_unit.items():
        record_postings(unit=unit, kind=Transaction.Kind.TRANSFER, count=count)


def transactions_post_batch(
    *, transfers: Sequence[BatchTransfer], actor: Actor, at: datetime | None = None
) -> list[Transaction]:
    """Post many transfers in one database transaction: all of them, or none (one write statement
    on PostgreSQL, bulk inserts on SQLite).

    Each transfer obeys what transfer_create enforces: same unit, a positive amount, open
    accounts, the payer's membership, limits checked in order against the running balances,
    `balance_after` chained, and an idempotency key per transfer (a key already posted with the
    same request answers with its transaction and posts nothing; with another request the whole
    batch is refused). Returns the transactions in the order given.

    Raises what transfer_create raises (for the first transfer that breaks a rule; nothing is
    posted then).
    """
    if not transfers:
        return []
    minors: list[int] = []
    units: list[str] = []
    for transfer in transfers:
        if transfer.from_account_id == transfer.to_account_id:
            raise SameAccount()
        unit = get_unit(str(transfer.amount.currency))
        minor = unit.to_minor(transfer.amount)
        if minor <= 0:
            raise InvalidAmount(_("The amount must be greater than zero."))
        minors.append(minor)
        units.append(unit.code)
    hashes = [_batch_request_hash(transfer, minor) for transfer, minor in zip(transfers, minors, strict=True)]
    keys = [transfer.idempotency_key for transfer in transfers if transfer.idempotency_key is not None]
    if len(set(keys)) != len(keys):
        raise IdempotencyKeyReused(_("The same idempotency key appears twice in the batch."))
    account_ids = {t.from_account_id for t in transfers} | {t.to_account_id for t in transfers}
    write = _batch_write_postgresql if connection.vendor == "postgresql" else _batch_write_orm

    def attempt(look_up_keys: bool) -> list[Transaction]:
        with transaction.atomic():
            accounts = _batch_lock(account_ids)
            existing = _batch_existing(keys) if look_up_keys else {}
            todo = [i for i, t in enumerate(transfers) if t.idempotency_key not in existing]
            for i, transfer in enumerate(transfers):
                previous = existing.get(transfer.idempotency_key)
                if previous is not None and previous.request_hash != hashes[i]:
                    raise IdempotencyKeyReused()
            _batch_check_payers(accounts, {transfers[i].from_account_id for i in todo})
            checked: set[int] = set()  # unit and status do not change within the batch: once per account
            balances = {pk: account.balance for pk, account in accounts.items()}
            rows: list[BatchRow] = []
            entries: list[BatchEntryRow] = []
            for i in todo:
                transfer, minor, unit = transfers[i], minors[i], units[i]
                rows.append((transfer, minor, unit, hashes[i]))
                for account_id, delta in ((transfer.from_account_id, -minor), (transfer.to_account_id, minor)):
                    account = accounts[account_id]
                    _check_unit(account, unit)
                    if account_id not in checked:
                        _check_open(account)
                        checked.add(account_id)
                    if (delta < 0 and account.min_balance is not None) or (
                        delta > 0 and account.max_balance is not None
                    ):
                        _check_limits(account, delta, balance=balances[account_id])
                    balances[account_id] += delta
                    entries.append((len(rows), account_id, unit, delta, balances[account_id]))
            deltas = {pk: balances[pk] - a.balance for pk, a in accounts.items() if balances[pk] != a.balance}
            user = acting_user(actor)
            created_at = at or timezone.now()
            posted = (
                write(rows, entries, deltas, actor_id=user.pk if user else None, created_at=created_at) if rows else []
            )
            # No post_save is sent for these rows: count them for /metrics once they are committed.
            per_unit: dict[str, int] = {}
            for row in rows:
                per_unit[row[2]] = per_unit.get(row[2], 0) + 1
            transaction.on_commit(lambda: _count_batch(per_unit))
            by_index = dict(zip(todo, posted, strict=True))
            return [by_index.get(i) or existing[transfers[i].idempotency_key] for i in range(len(transfers))]

    # First assume that no key was used before: the unique index on idempotency_key refuses the
    # write if one was (the attempt rolls back whole). Then, or if a concurrent batch committed
    # one of the keys first, look the keys up and answer from the transactions found.
    try:
        return with_retries(lambda: attempt(look_up_keys=False))
    except IntegrityError:
        if not keys:
            raise
        return with_retries(lambda: attempt(look_up_keys=True))


def transaction_reverse(
    *, transaction_to_reverse: Transaction, actor: Actor, memo: str = "", idempotency_key: str | None = None
) -> Transaction:
    """Post the opposite of a transaction, linked to it. Raises AlreadyReversed and limit errors."""
    original = transaction_to_reverse
    legs = [
        Leg(account_id=entry.account_id, amount=-entry.amount, unit=entry.unit)
        for entry in original.entries.all().order_by("id")
    ]
    memo = memo or _("Reversal of transaction #%(id)s") % {"id": original.pk}
    request_hash = request_fingerprint(["reverse", original.pk])

    def attempt() -> Transaction:
        with transaction.atomic():
            accounts = lock_accounts(leg.account_id for leg in legs)
            existing = _existing_for_key(Transaction, idempotency_key, request_hash)
            if existing is not None:
                return existing
            if Transaction.objects.filter(reverses=original).exists():
                raise AlreadyReversed()
            reversal = post_locked(
                legs=legs,
                accounts=accounts,
                kind=Transaction.Kind.REVERSAL,
                memo=memo,
                actor=actor,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                reverses=original,
            )
            audit_record(actor=actor, action="reversal", target=original, reason=memo, reversal=reversal.pk)
            return reversal

    try:
        return with_retries(attempt)
    except IntegrityError as exc:
        if idempotency_key is not None:
            return _replay_or_raise_duplicate(Transaction, idempotency_key, request_hash, exc)
        if Transaction.objects.filter(reverses=original).exists():
            raise AlreadyReversed() from exc
        raise


# --- holds ------------------------------------------------------------------------------------


def hold_create(
    *,
    from_account: Account,
    to_account: Account,
    amount: Money,
    memo: str = "",
    actor: Actor,
    expires_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Hold:
    """Reserve `amount` on from_account towards to_account (raises `held`).

    Raises SameAccount, UnitMismatch, InvalidAmount, AccountFrozen, AccountClosed,
    InsufficientFunds, IdempotencyKeyReused.
    """
    minor = _check_pair(from_account, to_account, amount)
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput(
            _("The expiry date must be in the future."), fields={"expires_at": [_("Must be in the future.")]}
        )
    request_hash = request_fingerprint(["hold", from_account.pk, to_account.pk, minor, memo, expires_at])

    def attempt() -> Hold:
        with transaction.atomic():
            # Only the debit side is locked: holds towards a busy payee do not queue on it.
            debit = lock_accounts([from_account.pk])[from_account.pk]
            existing = _existing_for_key(Hold, idempotency_key, request_hash)
            if existing is not None:
                return existing
            credit = Account.objects.get(pk=to_account.pk)
            _check_open(debit)
            _check_open(credit)
            _check_limits(debit, 0, minor)
            hold = Hold.objects.create(
                debit_account=debit,
                credit_account=credit,
                unit=debit.unit,
                amount=minor,
                memo=memo[:255],
                actor=acting_user(actor),
                expires_at=expires_at,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
            )
            Account.objects.filter(pk=debit.pk).update(held=F("held") + minor)
            return hold

    try:
        return with_retries(attempt)
    except IntegrityError as exc:
        return _replay_or_raise_duplicate(Hold, idempotency_key, request_hash, exc)


def _lock_pending_hold(hold_id: int) -> Hold:
    hold = Hold.objects.select_for_update().get(pk=hold_id)
    if hold.status != Hold.Status.PENDING:
        raise HoldAlreadyResolved()
    return hold


def _is_past_expiry(hold: Hold, now: datetime) -> bool:
    # The same boundary as the sweep's `expires_at__lte`: at its deadline a hold is expired.
    return hold.expires_at is not None and hold.expires_at <= now


def hold_capture(*, hold: Hold, actor: Actor, amount: Money | None = None, memo: str = "") -> Hold:
    """Post the hold (in full, or `amount` of it) and release the rest.

    A hold past its expiry is expired on the spot, as the sweep would, and HoldExpired is raised:
    the expiry commits although the capture is refused (unless the caller's own transaction,
    around this one, is rolled back by the exception).

    Raises HoldExpired, HoldAlreadyResolved, InvalidAmount, AccountFrozen, AccountClosed, LimitExceeded.
    """

    def attempt() -> Hold | None:
        with transaction.atomic():
            locked = Hold.objects.select_for_update().get(pk=hold.pk)
            if locked.status == Hold.Status.EXPIRED:
                raise HoldExpired()
            if locked.status != Hold.Status.PENDING:
                raise HoldAlreadyResolved()
            if _is_past_expiry(locked, timezone.now()):
                _hold_release(locked.pk, Hold.Status.EXPIRED, None)
                return None  # refused after the block commits, so that the expiry stays
            unit = get_unit(locked.unit)
            minor = locked.amount if amount is None else unit.to_minor(amount)
            if minor <= 0 or minor > locked.amount:
                raise InvalidAmount(
                    _("The amount to capture must be more than zero and at most %(max)s.")
                    % {"max": unit.format(locked.amount)}
                )
            accounts = lock_accounts([locked.debit_account_id, locked.credit_account_id])
            txn = post_locked(
                legs=[
                    Leg(account_id=locked.debit_account_id, amount=-minor, unit=locked.unit),
                    Leg(account_id=locked.credit_account_id, amount=minor, unit=locked.unit),
                ],
                accounts=accounts,
                kind=Transaction.Kind.HOLD_CAPTURE,
                memo=memo or locked.memo,
                actor=actor,
                idempotency_key=f"hold-capture:{locked.pk}",
                request_hash=request_fingerprint(["capture", locked.pk]),
                held_release={locked.debit_account_id: locked.amount},
            )
            locked.status = Hold.Status.CAPTURED
            locked.captured_amount = minor
            locked.capture_transaction = txn
            locked.resolved_at = timezone.now()
            locked.resolved_by = acting_user(actor)
            locked.save(
                update_fields=["status", "captured_amount", "capture_transaction", "resolved_at", "resolved_by"]
            )
            return locked

    captured = with_retries(attempt)
    if captured is None:
        raise HoldExpired()
    return captured


def _hold_release(hold_id: int, status: str, actor: Actor) -> Hold:
    locked = _lock_pending_hold(hold_id)
    Account.objects.filter(pk=locked.debit_account_id).update(held=F("held") - locked.amount)
    locked.status = status
    locked.resolved_at = timezone.now()
    locked.resolved_by = acting_user(actor)
    locked.save(update_fields=["status", "resolved_at", "resolved_by"])
    return locked


def hold_void(*, hold: Hold, actor: Actor) -> Hold:
    """Release a pending hold: nothing is posted. Raises HoldAlreadyResolved."""

    def attempt() -> Hold:
        with transaction.atomic():
            return _hold_release(hold.pk, Hold.Status.VOIDED, actor)

    return with_retries(attempt)


def hold_expire(*, hold_id: int, now: datetime | None = None) -> bool:
    """Expire one hold past its deadline; False (and nothing written) if it is not due or resolved."""
    now = now or timezone.now()

    def attempt() -> bool:
        with transaction.atomic():
            hold = Hold.objects.select_for_update().get(pk=hold_id)
            if hold.status != Hold.Status.PENDING or not _is_past_expiry(hold, now):
                return False
            _hold_release(hold.pk, Hold.Status.EXPIRED, None)
            return True

    return with_retries(attempt)


def holds_expire_due(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Expire every pending hold past its deadline; safe to run twice or concurrently."""
    now = now or timezone.now()
    expired = 0
    while True:
        due = list(
            Hold.objects.filter(status=Hold.Status.PENDING, expires_at__lte=now)
            .order_by("expires_at", "id")
            .values_list("id", flat=True)[:batch_size]
        )
        if not due:
            return expired
        progressed = sum(1 for hold_id in due if hold_expire(hold_id=hold_id, now=now))
        expired += progressed
        if progressed == 0:
            return expired


def unit_for(account: Account) -> Unit:
    return get_unit(account.unit)
