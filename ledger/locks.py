"""Every row lock on the ledger's rows, taken here and nowhere else.

Why: a posting checks limits and writes balances under the lock, so two writers of one account
queue instead of both reading the old balance; the check and the write happen on the locked row.

The order, the same for everyone (so that two flows cannot wait on each other):

1. a domain row of the calling app first (a campaign, an exchange, a payment request), in its
   own `locks.py` or service;
2. then holds, one at a time, by id (`hold_lock`);
3. then accounts, all of them in one statement, in ascending id order (`lock_accounts`,
   `lock_accounts_and_key`, `lock_batch_accounts`, `member_accounts_lock`). An account locked
   alone (`account_lock`) is the only ledger row its service locks.

Accounts are locked FOR NO KEY UPDATE on PostgreSQL: writers of an account still queue, but the
foreign-key checks of rows that only point at it (a hold towards it) do not, so they cannot
deadlock against the id order. SQLite locks the whole database at the first write: the same
calls are harmless there. Other apps lock ledger rows only through these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from ledger.errors import AccountNotFound
from ledger.models import Account, Hold
from ledger.models.accounts import available_of
from members.models import Member


def account_columns(only: Sequence[str] | None = None) -> tuple[list[str], str]:
    fields = [field for field in Account._meta.concrete_fields if only is None or field.attname in only]
    return [field.attname for field in fields], ", ".join(f"a.{field.column}" for field in fields)


# What a batch reads of its accounts; the other columns stay deferred (loaded if an error message
# needs the account's label). A thousand accounts built from 9 columns cost half of 13.
BATCH_ACCOUNT_FIELDS = ("id", "kind", "holder_id", "unit", "balance", "held", "min_balance", "max_balance", "status")


def bigint_array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers, to pass as one parameter cast to bigint[] (anything
    but integers fails the cast): psycopg adapts a list element by element in Python, ≈ 5 times
    slower for the thousands a batch sends."""
    return "{" + ",".join(map(str, values)) + "}"


def text_array(values: Iterable[str | None]) -> str:
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
    columns = account_columns(only)[1]
    return f"SELECT {columns}{existing} FROM ledger_account a WHERE a.id {match} ORDER BY a.id{lock}"  # noqa: S608


def lock_accounts_and_key(
    account_ids: Iterable[int], idempotency_key: str | None = None
) -> tuple[dict[int, Account], int | None]:
    """Lock the accounts in ascending id order and look the key up, in one round trip."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}, None
    with_key = idempotency_key is not None
    params: list[Any] = [idempotency_key] if with_key else []
    params += [bigint_array(ids)] if connection.vendor == "postgresql" else ids
    # NO KEY: writers of an account still queue, but the foreign-key checks of rows that only
    # point at it (a hold towards it) do not, so they cannot deadlock against this id order.
    sql = _lock_sql(len(ids), with_key=with_key)
    existing: int | None = None
    if connection.vendor == "postgresql":
        # psycopg already returns every column as its Python value: build the accounts directly
        # (a RawQuerySet spent more CPU mapping columns than the query took).
        names = account_columns()[0]
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
    return lock_accounts_and_key(account_ids)[0]


class LockedRow:
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

    @property
    def available(self) -> int | None:
        return available_of(self.balance, self.held, self.min_balance)


def lock_batch_accounts(account_ids: set[int]) -> dict[int, LockedRow]:
    """Lock the batch's accounts in ascending id order (one query) and read what the checks need."""
    names = account_columns(BATCH_ACCOUNT_FIELDS)[0]
    if connection.vendor == "postgresql":
        ids = sorted(account_ids)
        with connection.cursor() as cursor:
            cursor.execute(_lock_sql(len(ids), with_key=False, only=BATCH_ACCOUNT_FIELDS), [bigint_array(ids)])
            rows = [LockedRow(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
        if len(rows) != len(ids):
            raise AccountNotFound()
    else:
        locked = lock_accounts(account_ids).values()
        rows = [LockedRow(**{name: getattr(account, name) for name in names}) for account in locked]
    return {row.id: row for row in rows}


def account_lock(account_id: int) -> Account:
    """Lock one account (FOR UPDATE) to change its status or its limits."""
    return Account.objects.select_for_update().get(pk=account_id)


def member_accounts_lock(member: Member) -> list[Account]:
    """Lock every account of a member (FOR UPDATE), in ascending id order."""
    return list(Account.objects.select_for_update().filter(kind=Account.Kind.MEMBER, holder=member).order_by("id"))


def hold_lock(hold_id: int) -> Hold:
    """Lock a hold (FOR UPDATE) before resolving it: a hold resolves exactly once."""
    return Hold.objects.select_for_update().get(pk=hold_id)
