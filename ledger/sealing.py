"""Seals: the tamper-evidence chain of the ledger (docs/ARCHITECTURE.md, "Seals"; docs/SEALS.md).

A seal covers a contiguous range of transactions, in id order:

    hash = sha256(previous_hash ‖ canonical bytes of each covered transaction and its entries)

where `previous_hash` is the previous seal's hash (64 zeros for seal 1), written as its 64
lowercase hex characters, and the canonical bytes are UTF-8 lines:

    T2|id|kind|created_at|memo_digest|reverses_id|idempotency_key|actor_id|memo_code\\n   one per transaction
    E|id|account_id|unit|amount|balance_after\\n                          then one per entry, id order

The memo is not sealed in clear: it may name a person ("Loyer de Camille Dupont", a system memo's
parameters), and a member who leaves must be erasable. The T2 line holds `memo_digest`, a salted
commitment to the memo and its parameters (`memo_commitment`: sha256 of the row's random
`memo_salt`, the memo and the canonical parameters); the code itself is in clear. Erasing the
memo (ledger.services.erasure) replaces memo and parameters and clears the salt: the digest, what
the seal covers, is untouched, so every seal still verifies, and without the salt nothing can be
tested against it. While the salt is there, `verify_ledger` checks the memo against the digest.

Legacy layouts, kept byte for byte so the seals written before still verify: a transaction with
an empty `memo_digest` (sealed before the commitment existed, migration 0014) is written

    T|id|kind|created_at|memo|reverses_id|idempotency_key|actor_id\\n

with, if it has a memo code (ledger.memos), two more fields `|memo_code|memo_params` (the
parameters as compact JSON with sorted keys). Such a memo stays as written (an accounting record
under legal retention): it cannot be erased.

`created_at` is ISO-8601 in UTC with microseconds (`2026-03-01T09:30:00.000000Z`); a null field
is empty; integers are plain decimals (`-150`); in text fields `\\` `|` newline and carriage
return are written `\\\\` `\\|` `\\n` `\\r`. docs/SEALS.md has an independent script.

Sealing is off the posting path: it reads committed rows and writes one seal row; it never
locks a ledger row, so postings never wait for it. Sealers exclude each other only among
themselves (an advisory lock on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers),
and UNIQUE(sequence) makes a fork impossible even without the lock.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .memos import canonical_params
from .models import Seal, Transaction

logger = logging.getLogger("bocage.sealing")

GENESIS_HASH = "0" * 64
# Any constant will do, as long as nothing else uses it: the key of the sealers' advisory lock.
SEAL_LOCK_KEY = 7_266_511_004
DEFAULT_LAG_SECONDS = 30
DEFAULT_MAX_TRANSACTIONS = 50_000
DEFAULT_WAIT_SECONDS = 10
CHUNK_SIZE = 5_000

# The columns streamed for hashing: a transaction's, then one of its entries' (None if it has none).
STREAM_FIELDS = (
    "id",
    "kind",
    "created_at",
    "memo",
    "reverses_id",
    "idempotency_key",
    "actor_id",
    "entries__id",
    "entries__account_id",
    "entries__unit",
    "entries__amount",
    "entries__balance_after",
    "memo_code",
    "memo_params",
    "memo_digest",
    "memo_salt",
)


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n").replace("\r", "\\r")


def _field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return escape(value)
    return str(value)


def memo_commitment(salt: str, memo: str, memo_code: str | None, memo_params: Any) -> str:
    """The salted commitment to a memo that the T2 line seals in its place (64 hex characters).

    sha256 of the UTF-8 text `salt|memo|params`: `salt` the row's `memo_salt` (32 hex characters),
    `memo` and `params` escaped like any text field, `params` the canonical JSON of the parameters
    (ledger.memos.canonical_params) when the memo has a code, else empty. The salt keeps a short
    memo ("Loyer", a first name) from being found by trying candidates against the published rows.
    """
    params = canonical_params(memo_params) if memo_code else ""
    return hashlib.sha256(f"{salt}|{escape(memo)}|{escape(params)}".encode()).hexdigest()


def new_memo_commitment(memo: str, memo_code: str | None, memo_params: Any) -> tuple[str, str]:
    """A fresh random salt and the commitment to this memo under it: (memo_salt, memo_digest)."""
    salt = secrets.token_hex(16)
    return salt, memo_commitment(salt, memo, memo_code, memo_params)


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def transaction_line(
    id: int,
    kind: str,
    created_at: datetime,
    memo: str,
    reverses_id: int | None,
    idempotency_key: str | None,
    actor_id: int | None,
    memo_code: str | None = None,
    memo_params: Any = None,
    memo_digest: str = "",
) -> bytes:
    if memo_digest:
        fields = [str(id), _field(kind), format_timestamp(created_at), _field(memo_digest)]
        fields += [_field(reverses_id), _field(idempotency_key), _field(actor_id), _field(memo_code)]
        return ("T2|" + "|".join(fields) + "\n").encode()
    fields = [str(id), _field(kind), format_timestamp(created_at), _field(memo)]
    fields += [_field(reverses_id), _field(idempotency_key), _field(actor_id)]
    if memo_code:
        fields += [_field(memo_code), _field(canonical_params(memo_params))]
    return ("T|" + "|".join(fields) + "\n").encode()


def entry_line(id: int, account_id: int, unit: str, amount: int, balance_after: int) -> bytes:
    return f"E|{id}|{account_id}|{escape(unit)}|{amount}|{balance_after}\n".encode()


@dataclass
class StreamedTransaction:
    id: int
    created_at: datetime
    entry_count: int
    canonical: bytes
    # False when the row still has its salt but its memo no longer matches its digest (changed in place).
    memo_intact: bool = True


def stream_transactions(rows: Iterable[tuple[Any, ...]]) -> Iterator[StreamedTransaction]:
    """Group the joined rows (see STREAM_FIELDS, in transaction then entry id order) per transaction."""
    current: StreamedTransaction | None = None
    parts: list[bytes] = []
    for row in rows:
        txn_id = row[0]
        if current is None or current.id != txn_id:
            if current is not None:
                current.canonical = b"".join(parts)
                yield current
            current = StreamedTransaction(id=txn_id, created_at=row[2], entry_count=0, canonical=b"")
            id_, kind, created_at, memo, reverses_id, key, actor_id = row[:7]
            memo_code, memo_params, memo_digest, memo_salt = row[12:16]
            parts = [
                transaction_line(
                    id_,
                    kind,
                    created_at,
                    memo,
                    reverses_id,
                    key,
                    actor_id,
                    memo_code=memo_code,
                    memo_params=memo_params,
                    memo_digest=memo_digest,
                )
            ]
            if memo_salt:
                current.memo_intact = memo_commitment(memo_salt, memo, memo_code, memo_params) == memo_digest
        if row[7] is not None:
            parts.append(entry_line(*row[7:12]))
            current.entry_count += 1
    if current is not None:
        current.canonical = b"".join(parts)
        yield current


def transaction_rows(*, after_id: int = 0, up_to_id: int | None = None) -> Iterator[tuple[Any, ...]]:
    """Transactions joined to their entries, in id order, streamed (server-side cursor on PostgreSQL)."""
    rows = Transaction.objects.filter(id__gt=after_id)
    if up_to_id is not None:
        rows = rows.filter(id__lte=up_to_id)
    return rows.order_by("id", "entries__id").values_list(*STREAM_FIELDS).iterator(chunk_size=CHUNK_SIZE)


def configured_lag_seconds() -> int:
    return int(getattr(settings, "LEDGER_SEAL_LAG_SECONDS", DEFAULT_LAG_SECONDS))


def configured_max_transactions() -> int:
    return int(getattr(settings, "LEDGER_SEAL_MAX_TRANSACTIONS", DEFAULT_MAX_TRANSACTIONS))


def configured_wait_seconds() -> float:
    return float(getattr(settings, "LEDGER_SEAL_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))


def _range_to_seal(last_sealed: int, cutoff: datetime, max_transactions: int) -> int | None:
    """The last id to seal now: the range stops before the first transaction too recent to seal."""
    pending = Transaction.objects.filter(id__gt=last_sealed).order_by("id")
    too_recent = pending.filter(created_at__gte=cutoff).values_list("id", flat=True).first()
    if too_recent is not None:
        pending = pending.filter(id__lt=too_recent)
    ids = pending.values_list("id", flat=True)
    nth = list(ids[max_transactions - 1 : max_transactions])
    return nth[0] if nth else ids.last()


# The transactions writing in this database now: each backend that holds a transaction id (a
# posting has one from its first insert until it ends), and each prepared transaction.
# pg_stat_activity shows backend_xid to every role. Another database's transactions on the same
# cluster are not ours to wait for.
_WRITERS_IN_THIS_DATABASE = """
    SELECT pid::text || '/' || backend_xid::text FROM pg_stat_activity
     WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()
    UNION ALL
    SELECT 'prepared/' || transaction::text || '/' || gid FROM pg_prepared_xacts
     WHERE database = current_database()
"""


def _writers_in_this_database(cursor) -> set[str]:
    # Within a transaction PostgreSQL reads the backends' status once and keeps that copy: drop it.
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(_WRITERS_IN_THIS_DATABASE)
    return {row[0] for row in cursor.fetchall()}


def _in_flight_writers_finished(timeout: float) -> bool:
    """PostgreSQL: wait until every transaction writing in this database now has ended.

    A posting takes its id when it inserts, then commits a little later: an id below the end of
    the range may belong to a posting still in flight while a higher one has already committed.
    Such a posting has written its row, so it holds a transaction id, and its backend shows it in
    pg_stat_activity until it ends. Once every writer seen after the end was chosen has ended
    (a backend's pair of pid and transaction id gone), every id up to the end is either committed
    (and read by the next statement) or gone for good. Only this database's writers count: a long
    transaction in another database of the cluster does not postpone the seal. (A snapshot's list
    of running transactions would not do: it holds the whole cluster's, and leaves out those that
    took their id after the last one to end.) False if one of them is still running after
    `timeout` seconds: seal nothing this time, the next run tries again.
    """
    if connection.vendor != "postgresql":
        return True  # SQLite: this sealer holds the database's only write lock (BEGIN IMMEDIATE)
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        running = _writers_in_this_database(cursor)
        while running:
            if time.monotonic() >= deadline:
                logger.warning(
                    "sealing postponed: %d transaction(s) still writing after %.0f s (backend/xid %s); "
                    "the next run retries",
                    len(running),
                    timeout,
                    ", ".join(sorted(running)[:5]),
                )
                return False
            time.sleep(0.02)
            # A writer that ended is gone. One that began since is not waited for: a posting takes
            # its transaction id with its first lock, before its ids, so its ids are past the end.
            running &= _writers_in_this_database(cursor)
    return True


def _lock_sealers() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
    # SQLite: the atomic block began with BEGIN IMMEDIATE (settings), so sealers run one at a time.


def seal_pending(
    *,
    now: datetime | None = None,
    lag_seconds: int | None = None,
    max_transactions: int | None = None,
    wait_seconds: float | None = None,
) -> Seal | None:
    """Seal, in id order, the unsealed transactions created before now − lag; None if there are none.

    A posting takes its id (and its created_at) before it commits, so a later posting may commit
    first. Two guards keep the range from jumping over a posting still in flight (verify_ledger
    flags one that would have): only what is older than the lag is sealed, and on PostgreSQL the
    sealer waits, up to `wait_seconds`, for every transaction in flight once the range is chosen;
    if one is still running it seals nothing (returns None) and the next run tries again.
    Safe to run twice or concurrently: a sealer that loses a race seals nothing (returns None).
    """
    lag = lag_seconds if lag_seconds is not None else configured_lag_seconds()
    cutoff = (now or timezone.now()) - timedelta(seconds=lag)
    try:
        with transaction.atomic(durable=True):
            _lock_sealers()
            previous = Seal.objects.order_by("-sequence").first()
            last_sealed = previous.last_transaction_id if previous else 0
            end = _range_to_seal(last_sealed, cutoff, max_transactions or configured_max_transactions())
            if end is None:
                return None
            wait = wait_seconds if wait_seconds is not None else configured_wait_seconds()
            if not _in_flight_writers_finished(wait):
                return None
            previous_hash = previous.hash if previous else GENESIS_HASH
            digest = hashlib.sha256(previous_hash.encode("ascii"))
            first_id = None
            transactions = entries = 0
            for streamed in stream_transactions(transaction_rows(after_id=last_sealed, up_to_id=end)):
                if first_id is None:
                    first_id = streamed.id
                digest.update(streamed.canonical)
                transactions += 1
                entries += streamed.entry_count
            assert first_id is not None  # the range holds `end` at least
            return Seal.objects.create(
                sequence=(previous.sequence if previous else 0) + 1,
                previous_hash=previous_hash,
                hash=digest.hexdigest(),
                first_transaction_id=first_id,
                last_transaction_id=end,
                transaction_count=transactions,
                entry_count=entries,
                sealed_at=timezone.now(),
            )
    except IntegrityError:
        # Another sealer took this sequence number first (it could only without the lock): its
        # seal stands, and the transactions are sealed, or will be by the next run.
        return None


def seal_all_pending(*, now: datetime | None = None, max_seals: int = 100) -> list[Seal]:
    """Seal the whole backlog, one seal per `max_transactions` batch (the periodic task)."""
    seals = []
    for _ in range(max_seals):
        seal = seal_pending(now=now)
        if seal is None:
            break
        seals.append(seal)
    return seals
