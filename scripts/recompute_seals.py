#!/usr/bin/env python3
"""Recompute Bocage's ledger seals from the database, independently of the application.

Usage:  python recompute_seals.py postgres://user@host:5432/bocage
        python recompute_seals.py path/to/bocage.sqlite3

Prints one line per seal (sequence, stored hash, recomputed hash, OK or MISMATCH) and exits 1 on
any mismatch. Needs only the standard library, plus psycopg (3) for PostgreSQL. The canonical
form is in docs/SEALS.md; this file is meant to be read, and rewritten in any language.
"""

import hashlib
import json
import sys
from datetime import UTC, datetime

GENESIS = "0" * 64
QUERY = (
    "SELECT t.id, t.kind, t.created_at, t.memo, t.reverses_id, t.idempotency_key, t.actor_id,"
    " e.id, e.account_id, e.unit, e.amount, e.balance_after, t.memo_code, t.memo_params"
    " FROM ledger_transaction t LEFT JOIN ledger_entry e ON e.transaction_id = t.id"
    " WHERE t.id BETWEEN {lo} AND {hi} ORDER BY t.id, e.id"
)


def escape(text):
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n").replace("\r", "\\r")


def text(value):
    if value is None:
        return ""
    return escape(value) if isinstance(value, str) else str(value)


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
        current = None
        for row in cursor:
            if row[0] != current:
                current = row[0]
                fields = [str(row[0]), text(row[1]), timestamp(row[2]), text(row[3])]
                fields += [text(row[4]), text(row[5]), text(row[6])]
                if row[12]:  # a memo code: two more fields, the parameters as compact sorted JSON
                    params = json.loads(row[13]) if isinstance(row[13], str) else row[13]
                    canonical = json.dumps(params or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                    fields += [text(row[12]), text(canonical)]
                digest.update(("T|" + "|".join(fields) + "\n").encode("utf-8"))
            if row[7] is not None:
                entry = [str(row[7]), str(row[8]), text(row[9]), str(row[10]), str(row[11])]
                digest.update(("E|" + "|".join(entry) + "\n").encode("utf-8"))
        cursor.close()
        recomputed = digest.hexdigest()
        linked = previous_hash == previous
        ok = recomputed == stored and linked
        failures += not ok
        note = "" if linked else " (previous_hash does not link to the seal before)"
        print(f"{sequence}\t{stored}\t{recomputed}\t{'OK' if ok else 'MISMATCH'}{note}")
        previous = stored
    connection.close()
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
