"""Many transfers in one database transaction: bulk inserts, one write statement on PostgreSQL.

The path of every job that posts many times: an API batch, a campaign's captures, demurrage,
volunteers' hours, standing orders, bookings' captures. `transactions_post_batch` posts all or
nothing; `transactions_post_batch_each` posts what the rules allow and hands back each refusal
in its place, so that one frozen account does not stop the other nine hundred and ninety-nine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import ApplicationError
from core.retries import with_retries
from core.typing import Actor, acting_user
from ledger import memos
from ledger.errors import IdempotencyKeyReused, InvalidAmount, MembershipExpired, SameAccount
from ledger.kinds import TRANSFER
from ledger.locks import LockedRow, bigint_array, lock_batch_accounts, text_array
from ledger.models import Account, Entry, Transaction
from ledger.sealing import new_memo_commitment
from ledger.services.checks import check_limits, check_open, check_unit, request_fingerprint
from ledger.units import get_unit
from members.models import Member

# A batch's entry: (position of its transfer in the batch, from 1), account id, unit, amount, balance_after.
BatchEntryRow = tuple[int, int, str, int, int]
# A batch's transfer to write: the transfer, its amount in minor units, its unit, its request hash.
BatchRow = tuple["BatchTransfer", int, str, str]


@dataclass(frozen=True)
class BatchTransfer:
    """One transfer of a batch: `amount` from one account to another of the same unit.

    `request_hash` is the caller's fingerprint of what the key stands for (default: a transfer's,
    the same as transfer_create's). `held_release` (minor units) leaves the payer's `held` in the
    same write: a hold's capture releases the whole hold (see ledger.services.holds).
    """

    from_account_id: int
    to_account_id: int
    amount: Money
    memo: str | memos.Memo = ""
    idempotency_key: str | None = None
    request_hash: str | None = None
    held_release: int = 0


class _LookUpKeys(Exception):
    """A keyed transfer was refused before its key was looked up: start again, looking up."""


# One item's outcome in transactions_post_batch_each: its transaction, or why it was refused.
BatchOutcome = Transaction | ApplicationError


def _batch_request_hash(transfer: BatchTransfer, minor: int) -> str:
    if transfer.request_hash is not None:
        return transfer.request_hash
    # The same fingerprint as transfer_create's, so a key first used by either answers both.
    legs = [(transfer.from_account_id, -minor, str(transfer.amount.currency))]
    legs.append((transfer.to_account_id, minor, str(transfer.amount.currency)))
    return request_fingerprint(["post", TRANSFER, memos.fingerprint(transfer.memo), legs])


def _expired_payers(accounts: dict[int, LockedRow], payer_ids: set[int]) -> set[int]:
    """The paying member accounts whose holder's membership is not valid today
    (Member.membership_valid_on), in one query."""
    holders: dict[int, list[int]] = {}
    for pk in payer_ids:
        holder_id = accounts[pk].holder_id
        if accounts[pk].kind == Account.Kind.MEMBER and holder_id is not None:
            holders.setdefault(holder_id, []).append(pk)
    if not holders:
        return set()
    # PostgreSQL: the ids as one array parameter rather than a placeholder each.
    ids: Any = (
        RawSQL("SELECT unnest(%s::bigint[])", [bigint_array(holders)])
        if connection.vendor == "postgresql"
        else list(holders)
    )
    # Member.membership_valid_on, for all of them at once: a NULL date is expired too (exclude keeps NULLs).
    expired = Member.objects.filter(pk__in=ids).exclude(membership_expires_on__gte=timezone.localdate())
    return {pk for holder_id in expired.values_list("pk", flat=True) for pk in holders[holder_id]}


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
    INSERT INTO ledger_transaction
        (id, kind, memo, memo_code, memo_params, memo_salt, memo_digest, actor_id, created_at, idempotency_key,
         request_hash)
    SELECT ids.id, %(kind)s, t.memo, t.memo_code, t.memo_params::jsonb, t.memo_salt, t.memo_digest, %(actor)s,
        %(created_at)s, t.idempotency_key, t.request_hash
    FROM unnest(%(memos)s::varchar[], %(codes)s::varchar[], %(params)s::text[], %(salts)s::varchar[],
        %(digests)s::varchar[], %(keys)s::varchar[], %(hashes)s::varchar[]) WITH ORDINALITY
        AS t(memo, memo_code, memo_params, memo_salt, memo_digest, idempotency_key, request_hash, position)
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
    UPDATE ledger_account AS a SET balance = a.balance + d.delta, held = a.held - d.released
    FROM unnest(%(moved)s::bigint[], %(delta)s::bigint[], %(released)s::bigint[]) AS d(id, delta, released)
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


# What a batch writes besides its rows: per account, (balance moved, held released).
Moves = dict[int, tuple[int, int]]
# A transaction's memo as stored: (text, code or None, params or None, salt, digest).
StoredMemo = tuple[str, str | None, dict[str, Any] | None, str, str]


def _stored_memos(rows: list[BatchRow]) -> list[StoredMemo]:
    stored: list[StoredMemo] = []
    # A job's transfers often share one memo (a period's demurrage): rendered once, each still
    # committed with its own salt.
    rendered: dict[Any, tuple[str, str, dict[str, Any]]] = {}
    for row in rows:
        memo = row[0].memo
        key = memo if isinstance(memo, str) else (memo.code, json.dumps(memo.params, sort_keys=True), memo.fallback)
        split = rendered.get(key)
        if split is None:
            split = rendered[key] = memos.split(memo)
        text, code, params = split
        salt, digest = new_memo_commitment(text, code or None, params if code else None)
        stored.append((text, code or None, params if code else None, salt, digest))
    return stored


def _batch_write_postgresql(
    rows: list[BatchRow],
    entries: list[BatchEntryRow],
    moves: Moves,
    *,
    kind: str,
    actor_id: int | None,
    created_at: datetime,
) -> list[Transaction]:
    """One statement (BATCH_SQL); returns the new transactions in the order of `rows`."""
    stored = _stored_memos(rows)
    keys = [row[0].idempotency_key for row in rows]
    hashes = [row[3] for row in rows]
    moved = sorted(moves)
    with connection.cursor() as cursor:
        cursor.execute(
            BATCH_SQL,
            {
                "count": len(rows),
                "kind": kind,
                "actor": actor_id,
                "created_at": created_at,
                "memos": text_array(memo[0] for memo in stored),
                "codes": text_array(memo[1] for memo in stored),
                "params": text_array(None if memo[2] is None else json.dumps(memo[2]) for memo in stored),
                "salts": text_array(memo[3] for memo in stored),
                "digests": text_array(memo[4] for memo in stored),
                "keys": text_array(keys),
                "hashes": text_array(hashes),
                "units": text_array(row[2] for row in rows),
                "transfer": bigint_array(entry[0] for entry in entries),
                "account": bigint_array(entry[1] for entry in entries),
                "amount": bigint_array(entry[3] for entry in entries),
                "after": bigint_array(entry[4] for entry in entries),
                "moved": bigint_array(moved),
                "delta": bigint_array(moves[pk][0] for pk in moved),
                "released": bigint_array(moves[pk][1] for pk in moved),
            },
        )
        ids, txn_count, entry_count, balance_count = cursor.fetchone()
    assert (txn_count, entry_count, balance_count) == (len(rows), len(entries), len(moved))
    # The rows as written, without a query to read them back.
    names = ["id", "kind_id", "memo", "memo_code", "memo_params", "memo_salt", "memo_digest", "actor_id"]
    names += ["created_at", "idempotency_key", "request_hash", "reverses_id"]
    return [
        Transaction.from_db(
            connection.alias,
            names,
            (pk, kind, text, code, params, salt, digest, actor_id, created_at, key, request_hash, None),
        )
        for pk, (text, code, params, salt, digest), key, request_hash in zip(ids, stored, keys, hashes, strict=True)
    ]


def _batch_write_orm(
    rows: list[BatchRow],
    entries: list[BatchEntryRow],
    moves: Moves,
    *,
    kind: str,
    actor_id: int | None,
    created_at: datetime,
) -> list[Transaction]:
    """SQLite: bulk inserts, then one executemany for the balances."""
    posted = Transaction.objects.bulk_create(
        [
            Transaction(
                kind_id=kind,
                memo=text,
                memo_code=code,
                memo_params=params,
                memo_salt=salt,
                memo_digest=digest,
                actor_id=actor_id,
                idempotency_key=transfer.idempotency_key,
                request_hash=request_hash,
                created_at=created_at,
            )
            for (transfer, _, _, request_hash), (text, code, params, salt, digest) in zip(
                rows, _stored_memos(rows), strict=True
            )
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
            "UPDATE ledger_account SET balance = balance + %s, held = held - %s WHERE id = %s",
            [(delta, released, pk) for pk, (delta, released) in sorted(moves.items())],
        )
    return posted


def _count_batch(per_unit: dict[str, int], kind: str) -> None:
    from core.metrics import record_postings

    for unit, count in per_unit.items():
        record_postings(unit=unit, kind=kind, count=count)


def _check_transfer(
    transfer: BatchTransfer,
    minor: int,
    unit: str,
    accounts: dict[int, LockedRow],
    balances: dict[int, int],
    helds: dict[int, int],
    expired: set[int],
) -> None:
    """What transfer_create checks, against the batch's running balances; raises the refusal."""
    payer, payee = accounts[transfer.from_account_id], accounts[transfer.to_account_id]
    if transfer.from_account_id in expired:
        raise MembershipExpired()
    release = transfer.held_release
    if release < 0 or release > helds[payer.id]:
        raise InvalidAmount(_("A batch cannot release more than is held."))
    for account, delta, held_delta in ((payer, -minor, -release), (payee, minor, 0)):
        check_unit(account, unit)
        check_open(account)
        if (delta - held_delta < 0 and account.min_balance is not None) or (
            delta > 0 and account.max_balance is not None
        ):
            check_limits(account, delta, held_delta, balance=balances[account.id], held=helds[account.id])


def _post_batch(
    transfers: Sequence[BatchTransfer],
    *,
    actor: Actor,
    at: datetime | None,
    kind: str,
    check_membership: bool,
    each: bool,
) -> list[BatchOutcome]:
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

    def attempt(look_up_keys: bool) -> list[BatchOutcome]:
        with transaction.atomic():
            accounts = lock_batch_accounts(account_ids)
            existing = _batch_existing(keys) if look_up_keys else {}
            outcomes: dict[int, BatchOutcome] = {}
            todo: list[int] = []
            for i, transfer in enumerate(transfers):
                previous = existing.get(transfer.idempotency_key)
                if previous is None:
                    todo.append(i)
                elif previous.request_hash != hashes[i]:
                    if not each:
                        raise IdempotencyKeyReused()
                    outcomes[i] = IdempotencyKeyReused()
                else:
                    outcomes[i] = previous
            payers = {transfers[i].from_account_id for i in todo}
            expired = _expired_payers(accounts, payers) if check_membership else set()
            balances = {pk: account.balance for pk, account in accounts.items()}
            helds = {pk: account.held for pk, account in accounts.items()}
            rows: list[BatchRow] = []
            entries: list[BatchEntryRow] = []
            written: list[int] = []
            for i in todo:
                transfer, minor, unit = transfers[i], minors[i], units[i]
                try:
                    _check_transfer(transfer, minor, unit, accounts, balances, helds, expired)
                except ApplicationError as exc:
                    if not look_up_keys and transfer.idempotency_key is not None:
                        # Perhaps posted before, when it still fitted: look the keys up first.
                        raise _LookUpKeys() from exc
                    if not each:
                        raise
                    outcomes[i] = exc
                    continue
                rows.append((transfer, minor, unit, hashes[i]))
                written.append(i)
                helds[transfer.from_account_id] -= transfer.held_release
                for account_id, delta in ((transfer.from_account_id, -minor), (transfer.to_account_id, minor)):
                    balances[account_id] += delta
                    entries.append((len(rows), account_id, unit, delta, balances[account_id]))
            moves = {
                pk: (balances[pk] - a.balance, a.held - helds[pk])
                for pk, a in accounts.items()
                if balances[pk] != a.balance or helds[pk] != a.held
            }
            user = acting_user(actor)
            created_at = at or timezone.now()
            posted = (
                write(rows, entries, moves, kind=kind, actor_id=user.pk if user else None, created_at=created_at)
                if rows
                else []
            )
            # No post_save is sent for these rows: count them for /metrics once they are committed.
            per_unit: dict[str, int] = {}
            for row in rows:
                per_unit[row[2]] = per_unit.get(row[2], 0) + 1
            transaction.on_commit(lambda: _count_batch(per_unit, kind))
            outcomes.update(zip(written, posted, strict=True))
            return [outcomes[i] for i in range(len(transfers))]

    # First assume that no key was used before: the unique index on idempotency_key refuses the
    # write if one was (the attempt rolls back whole). Then, or if a concurrent batch committed
    # one of the keys first, look the keys up and answer from the transactions found.
    # A refusal of a keyed transfer also looks the keys up: a replay answers even when the payment
    # would no longer fit, as transfer_create's does.
    try:
        return with_retries(lambda: attempt(look_up_keys=False))
    except (IntegrityError, _LookUpKeys):
        if not keys:
            raise
        return with_retries(lambda: attempt(look_up_keys=True))


def transactions_post_batch(
    *,
    transfers: Sequence[BatchTransfer],
    actor: Actor,
    at: datetime | None = None,
    kind: str = TRANSFER,
    check_membership: bool = True,
) -> list[Transaction]:
    """Post many transfers in one database transaction: all of them, or none (one write statement
    on PostgreSQL, bulk inserts on SQLite).

    Each transfer obeys what transfer_create enforces: same unit, a positive amount, open
    accounts, the payer's membership (unless `check_membership` is False: a system charge such
    as demurrage), limits checked in order against the running balances, `balance_after`
    chained, and an idempotency key per transfer (a key already posted with the same request
    answers with its transaction and posts nothing; with another request the whole batch is
    refused). Every transaction is of `kind`. Returns the transactions in the order given.

    Raises what transfer_create raises (for the first transfer that breaks a rule; nothing is
    posted then).
    """
    outcomes = _post_batch(transfers, actor=actor, at=at, kind=kind, check_membership=check_membership, each=False)
    return [outcome for outcome in outcomes if isinstance(outcome, Transaction)]


def transactions_post_batch_each(
    *,
    transfers: Sequence[BatchTransfer],
    actor: Actor,
    at: datetime | None = None,
    kind: str = TRANSFER,
    check_membership: bool = True,
) -> list[BatchOutcome]:
    """Post every transfer the rules allow, in one database transaction, and refuse the others
    one by one: the list answers each transfer in order with its Transaction, or with the
    ApplicationError that refused it (frozen, closed, insufficient funds, limit, membership,
    a key reused for another request). A refused transfer moves nothing, and the ones after it
    are checked against balances without it.

    A caller writes its own rows for the posted ones inside its own atomic block around this
    call, so that they commit together. Raises only for a batch that cannot be read at all
    (SameAccount, InvalidAmount, a key twice in the batch, AccountNotFound).
    """
    return _post_batch(transfers, actor=actor, at=at, kind=kind, check_membership=check_membership, each=True)
