"""Many transfers in one database transaction: bulk inserts, one write statement on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.retries import with_retries
from core.typing import Actor, acting_user
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
    return request_fingerprint(["post", TRANSFER, transfer.memo, legs])


def _batch_check_payers(accounts: dict[int, LockedRow], payer_ids: set[int]) -> None:
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
        RawSQL("SELECT unnest(%s::bigint[])", [bigint_array(holder_ids)])
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
    INSERT INTO ledger_transaction
        (id, kind, memo, memo_salt, memo_digest, actor_id, created_at, idempotency_key, request_hash)
    SELECT ids.id, %(kind)s, t.memo, t.memo_salt, t.memo_digest, %(actor)s, %(created_at)s, t.idempotency_key,
        t.request_hash
    FROM unnest(%(memos)s::varchar[], %(salts)s::varchar[], %(digests)s::varchar[], %(keys)s::varchar[],
        %(hashes)s::varchar[]) WITH ORDINALITY
        AS t(memo, memo_salt, memo_digest, idempotency_key, request_hash, position)
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
    kind = TRANSFER
    memos = [row[0].memo[:255] for row in rows]
    commitments = [new_memo_commitment(memo, None, None) for memo in memos]
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
                "memos": text_array(memos),
                "salts": text_array(salt for salt, _ in commitments),
                "digests": text_array(digest for _, digest in commitments),
                "keys": text_array(keys),
                "hashes": text_array(hashes),
                "units": text_array(row[2] for row in rows),
                "transfer": bigint_array(entry[0] for entry in entries),
                "account": bigint_array(entry[1] for entry in entries),
                "amount": bigint_array(entry[3] for entry in entries),
                "after": bigint_array(entry[4] for entry in entries),
                "moved": bigint_array(moved),
                "delta": bigint_array(deltas[pk] for pk in moved),
            },
        )
        ids, txn_count, entry_count, balance_count = cursor.fetchone()
    assert (txn_count, entry_count, balance_count) == (len(rows), len(entries), len(moved))
    # The rows as written, without a query to read them back.
    # A batch's memos are the payers' own text: no memo code.
    names = ["id", "kind_id", "memo", "memo_code", "memo_params", "memo_salt", "memo_digest", "actor_id"]
    names += ["created_at", "idempotency_key", "request_hash", "reverses_id"]
    return [
        Transaction.from_db(
            connection.alias,
            names,
            (pk, kind, memo, None, None, salt, digest, actor_id, created_at, key, request_hash, None),
        )
        for pk, memo, (salt, digest), key, request_hash in zip(ids, memos, commitments, keys, hashes, strict=True)
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
    commitments = [new_memo_commitment(transfer.memo[:255], None, None) for transfer, _, _, _ in rows]
    posted = Transaction.objects.bulk_create(
        [
            Transaction(
                kind_id=TRANSFER,
                memo=transfer.memo[:255],
                memo_salt=salt,
                memo_digest=digest,
                actor_id=actor_id,
                idempotency_key=transfer.idempotency_key,
                request_hash=request_hash,
                created_at=created_at,
            )
            for (transfer, _, _, request_hash), (salt, digest) in zip(rows, commitments, strict=True)
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
    from core.metrics import record_postings

    for unit, count in per_unit.items():
        record_postings(unit=unit, kind=TRANSFER, count=count)


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
            accounts = lock_batch_accounts(account_ids)
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
                    check_unit(account, unit)
                    if account_id not in checked:
                        check_open(account)
                        checked.add(account_id)
                    if (delta < 0 and account.min_balance is not None) or (
                        delta > 0 and account.max_balance is not None
                    ):
                        check_limits(account, delta, balance=balances[account_id])
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
