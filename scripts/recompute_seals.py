#!/usr/bin/env python3
"""Recompute Bocage's ledger seals from the database, independently of the application.

Usage:  python recompute_seals.py postgres://user@host:5432/bocage
        python recompute_seals.py path/to/bocage.sqlite3

Prints one line per seal (sequence, stored hash, recomputed hash, OK or MISMATCH) and exits 1 on
any mismatch; a memo that still has its salt but no longer matches its sealed digest is a mismatch
of its seal too. Needs only the standard library, plus psycopg (3) for PostgreSQL. The canonical
form is in docs/SEALS.md; this file is meant to be read, and rewritten in any language.
"""

import hashlib
import json
import sys
from datetime import UTC, datetime

GENESIS = "0" * 64
QUERY = (
    "SELECT t.id, t.kind, t.created_at, t.memo, t.reverses_id, t.idempotency_key, t.actor_id,"
    " e.id, e.account_id, e.unit, e.amount, e.balance_after, t.memo_code, t.memo_params, t.memo_digest, t.memo_salt"
    " FROM ledger_transaction t LEFT JOIN ledger_entry e ON e.transaction_id = t.id"
    " WHERE t.id BETWEEN {lo} AND {hi} ORDER BY t.id, e.id"
)


def escape(text):
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n").replace("\r", "\\r")


def text(value):
    if value is None:
        return ""
    return escape(value) if isinstance(value, str) else str(value)


def canonical_params(params):
    params = json.loads(params) if isinstance(params, str) else params
    return json.dumps(params or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def memo_commitment(salt, memo, memo_code, memo_params):
    params = canonical_params(memo_params) if memo_code else ""
    return hashlib.sha256(f"{salt}|{escape(memo)}|{escape(params)}".encode()).hexdigest()


def transaction_line(row):
    if row[14]:  # layout 2: a salted digest of the memo in its place, the memo code in clear
        fields = [str(row[0]), text(row[1]), timestamp(row[2]), text(row[14])]
        fields += [text(row[4]), text(row[5]), text(row[6]), text(row[12])]
        return "T2|" + "|".join(fields) + "\n"
    fields = [str(row[0]), text(row[1]), timestamp(row[2]), text(row[3])]
    fields += [text(row[4]), text(row[5]), text(row[6])]
    if row[12]:  # a memo code: two more fields, the parameters as compact sorted JSON
        fields += [text(row[12]), text(canonical_params(row[13]))]
    return "T|" + "|".join(fields) + "\n"


def timestamp(value):
    if isinstance(value, str):  # SQLite: Django stores UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]"
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def connect(target):
    if target.startswith(("postgres://", "postgresql://")):
        import psycopg

        connection = psycopg.connect(target)
        return connection, lambda: connection.cursor(name="recompute_seals")  # server-side: streams
    import sqlite3

    connection = sqlite3.connect(target)
    return connection, connection.cursor


def main(target):
    connection, new_cursor = connect(target)
    seals = connection.cursor()
    seals.execute(
        "SELECT sequence, previous_hash, hash, first_transaction_id, last_transaction_id"
        " FROM ledger_seal ORDER BY sequence"
    )
    failures, previous = 0, GENESIS
    for sequence, previous_hash, stored, first_id, last_id in seals.fetchall():
        digest = hashlib.sha256(previous_hash.encode("ascii"))
        cursor = new_cursor()
        cursor.execute(QUERY.format(lo=int(first_id), hi=int(last_id)))
        current, memos_changed = None, []
        for row in cursor:
            if row[0] != current:
                current = row[0]
                digest.update(transaction_line(row).encode("utf-8"))
                # A memo with its salt must match its digest; an erased one (no salt) cannot be checked.
                if row[15] and memo_commitment(row[15], row[3], row[12], row[13]) != row[14]:
                    memos_changed.append(str(row[0]))
            if row[7] is not None:
                entry = [str(row[7]), str(row[8]), text(row[9]), str(row[10]), str(row[11])]
                digest.update(("E|" + "|".join(entry) + "\n").encode("utf-8"))
        cursor.close()
        recomputed = digest.hexdigest()
        linked = previous_hash == previous
        ok = recomputed == stored and linked and not memos_changed
        failures += not ok
        note = "" if linked else " (previous_hash does not link to the seal before)"
        if memos_changed:
            note += f" (memo changed in transaction {', '.join(memos_changed)})"
        print(f"{sequence}\t{stored}\t{recomputed}\t{'OK' if ok else 'MISMATCH'}{note}")
        previous = stored
    connection.close()
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
