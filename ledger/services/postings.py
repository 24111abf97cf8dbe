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

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.signals import post_save
from django.utils import timezone
from djmoney.money import Money

from core.audit import audit_record
from core.errors import ApplicationError
from core.retries import with_retries
from core.typing import Actor, acting_user
from ledger import memos
from ledger.errors import AlreadyReversed
from ledger.kinds import POSTING, REVERSAL, TRANSFER
from ledger.locks import lock_accounts, lock_accounts_and_key
from ledger.models import Account, Entry, Transaction
from ledger.sealing import new_memo_commitment
from ledger.services.checks import (
    Leg,
    check_limits,
    check_open,
    check_pair,
    check_unit,
    existing_for_key,
    legs_from_money,
    replay_or_raise_duplicate,
    request_fingerprint,
    validate_legs,
)

# An entry to write: (account_id, unit, amount, balance_after).
EntryRow = tuple[int, str, int, int]


def post_locked(
    *,
    legs: Sequence[Leg],
    accounts: dict[int, Account],
    kind: str,
    memo: str | memos.Memo,
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
        check_unit(accounts[leg.account_id], leg.unit)
        deltas[leg.account_id] = deltas.get(leg.account_id, 0) + leg.amount
    for account_id, delta in deltas.items():
        account = accounts[account_id]
        check_open(account)
        check_limits(account, delta, -held_release.get(account_id, 0))

    memo_text, memo_code, memo_params = memos.split(memo)
    memo_salt, memo_digest = new_memo_commitment(memo_text, memo_code or None, memo_params if memo_code else None)
    txn = Transaction(
        kind_id=kind,
        memo=memo_text,
        memo_code=memo_code or None,
        memo_params=memo_params if memo_code else None,
        memo_salt=memo_salt,
        memo_digest=memo_digest,
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
    INSERT INTO ledger_transaction
        (kind, memo, memo_code, memo_params, memo_salt, memo_digest, actor_id, created_at, idempotency_key,
         request_hash, reverses_id)
    VALUES (%s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s) RETURNING id
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
                txn.kind_id,
                txn.memo,
                txn.memo_code,
                None if txn.memo_params is None else json.dumps(txn.memo_params),
                txn.memo_salt,
                txn.memo_digest,
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


def transaction_post(
    *,
    legs: Iterable[tuple[Account | int, Money]],
    kind: str = POSTING,
    memo: str | memos.Memo = "",
    actor: Actor,
    idempotency_key: str | None = None,
    at: datetime | None = None,
    key_claimed: bool = False,
) -> Transaction:
    """Post a multi-leg, multi-unit transaction atomically.

    `at` dates the transaction in the past: for imports and the demo's history only (entries keep
    their order by id, so balance_after stays a true running balance).

    `key_claimed`: the caller's own transaction has already claimed `idempotency_key` (the API's
    claim, core.idempotency), so no twin can insert it meanwhile, and the posting runs in that
    transaction without a savepoint of its own (two round trips fewer). A refusal is raised after
    the block has closed cleanly, so the caller's transaction stays usable (to keep the refusal as
    the key's answer); an error of the database itself leaves it to be rolled back, as it should.

    Raises UnbalancedTransaction, InvalidAmount, UnitMismatch, AccountNotFound, AccountFrozen,
    AccountClosed, InsufficientFunds, LimitExceeded, IdempotencyKeyReused.
    """
    leg_list = legs_from_money(legs)
    validate_legs(leg_list)
    request_hash = request_fingerprint(
        ["post", kind, memos.fingerprint(memo), [(leg.account_id, leg.amount, leg.unit) for leg in leg_list]]
    )

    def locked_post() -> Transaction:
        accounts, existing_id = lock_accounts_and_key((leg.account_id for leg in leg_list), idempotency_key)
        if existing_id is not None:
            return existing_for_key(Transaction, idempotency_key, request_hash)
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
            existing = existing_for_key(Transaction, idempotency_key, request_hash)
            if existing is not None:
                return existing
            raise

    def attempt() -> Transaction:
        if not key_claimed:
            with transaction.atomic():
                return locked_post()
        with transaction.atomic(savepoint=False):
            try:
                return locked_post()
            except ApplicationError as exc:
                refusal = exc  # raised once the block has closed: the caller's transaction stays usable
        raise refusal

    try:
        return with_retries(attempt)
    except IntegrityError as exc:
        return replay_or_raise_duplicate(Transaction, idempotency_key, request_hash, exc)


def transfer_create(
    *,
    from_account: Account,
    to_account: Account,
    amount: Money,
    memo: str | memos.Memo = "",
    actor: Actor,
    idempotency_key: str | None = None,
    at: datetime | None = None,
    key_claimed: bool = False,
) -> Transaction:
    """Move `amount` from one account to another of the same unit (`key_claimed`: see transaction_post).

    Raises SameAccount, UnitMismatch, InvalidAmount, MembershipExpired and whatever
    transaction_post raises.
    """
    check_pair(from_account, to_account, amount)
    return transaction_post(
        legs=[(from_account, -amount), (to_account, amount)],
        kind=TRANSFER,
        memo=memo,
        actor=actor,
        idempotency_key=idempotency_key,
        at=at,
        key_claimed=key_claimed,
    )


def transaction_reverse(
    *,
    transaction_to_reverse: Transaction,
    actor: Actor,
    memo: str | memos.Memo = "",
    idempotency_key: str | None = None,
) -> Transaction:
    """Post the opposite of a transaction, linked to it. Raises AlreadyReversed and limit errors."""
    original = transaction_to_reverse
    legs = [
        Leg(account_id=entry.account_id, amount=-entry.amount, unit=entry.unit)
        for entry in original.entries.all().order_by("id")
    ]
    memo = memo or memos.memo(memos.REVERSAL, id=original.pk)
    request_hash = request_fingerprint(["reverse", original.pk])

    def attempt() -> Transaction:
        with transaction.atomic():
            accounts = lock_accounts(leg.account_id for leg in legs)
            existing = existing_for_key(Transaction, idempotency_key, request_hash)
            if existing is not None:
                return existing
            if Transaction.objects.filter(reverses=original).exists():
                raise AlreadyReversed()
            reversal = post_locked(
                legs=legs,
                accounts=accounts,
                kind=REVERSAL,
                memo=memo,
                actor=actor,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                reverses=original,
            )
            audit_record(actor=actor, action="reversal", target=original, reason=reversal.memo, reversal=reversal.pk)
            return reversal

    try:
        return with_retries(attempt)
    except IntegrityError as exc:
        if idempotency_key is not None:
            return replay_or_raise_duplicate(Transaction, idempotency_key, request_hash, exc)
        if Transaction.objects.filter(reverses=original).exists():
            raise AlreadyReversed() from exc
        raise
