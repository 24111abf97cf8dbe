"""Memos become erasable while the seals stay verifiable (issue 19: a leaving member is pseudonymised).

1. `Transaction.memo_salt` and `memo_digest`: the seal's T2 line covers a salted commitment to the
   memo (ledger.sealing.memo_commitment), not the memo, so the memo can later be erased.
2. The append-only triggers let exactly the erasures through, and this migration's fill:
   - ledger_transaction: an UPDATE that changes no column but memo, memo_params, memo_salt and
     memo_digest, and either erases (the digest stays, the salt is cleared: memo and parameters may
     then be replaced) or fills (salt and digest set on a row that had neither and that no seal
     covers yet, memo unchanged). Anything else, and DELETE on PostgreSQL, is refused as before.
   - ledger_hold: besides what a pending hold may do (resolve once), an UPDATE changing nothing but
     memo and memo_params, whatever the status.
   - ledger_auditevent: an UPDATE of `reason` and `details` only (redaction of personal values).
   PostgreSQL compares every other column at once (`to_jsonb(row) - the allowed columns`), so a
   column added later is guarded without touching the trigger; SQLite refuses `UPDATE OF` every
   other column, by name (a later migration adding a column there lists it too).
3. The fill: every transaction that no seal covers yet gets its salt and digest, so the next seal
   covers it in layout 2. Sealed transactions keep empty ones and their legacy line: their seals
   verify as before, and their memo stays (an accounting record under legal retention).

On SQLite, adding a NOT NULL column rebuilds the table, which drops its triggers: they are created
again below, after the columns.

Deploying: the fill takes the sealers' advisory lock (PostgreSQL), so no seal is written while it
runs; but a sealer of the code before this migration would seal a filled row in the legacy layout
after it, and that seal would then not verify. Stop the beat and the workers (the sealers) before
migrating, and start them again on the new code.
"""

from django.db import migrations, models

from ledger.sealing import SEAL_LOCK_KEY, new_memo_commitment

APPEND_ONLY_MESSAGE = "ledger rows are append-only: % on % is refused"

POSTGRESQL = r"""
CREATE FUNCTION ledger_check_transaction_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'memo' - 'memo_params' - 'memo_salt' - 'memo_digest')
           = (to_jsonb(OLD) - 'memo' - 'memo_params' - 'memo_salt' - 'memo_digest')
       AND (
           -- an erasure: the sealed digest stays, the salt goes, memo and parameters may be replaced
           (OLD.memo_digest <> '' AND NEW.memo_digest = OLD.memo_digest AND NEW.memo_salt = '')
           -- migration 0014's fill: a commitment for a row no seal covers yet, its memo unchanged
           OR (OLD.memo_digest = '' AND OLD.memo_salt = '' AND NEW.memo_digest <> '' AND NEW.memo_salt <> ''
               AND NEW.memo = OLD.memo AND NEW.memo_params IS NOT DISTINCT FROM OLD.memo_params
               AND OLD.id > COALESCE((SELECT max(last_transaction_id) FROM ledger_seal), 0))
       ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger rows are append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '23000';
END $$;
DROP TRIGGER ledger_transaction_append_only ON ledger_transaction;
CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_check_transaction_change();

CREATE OR REPLACE FUNCTION ledger_check_hold_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'memo' - 'memo_params') = (to_jsonb(OLD) - 'memo' - 'memo_params') THEN
        RETURN NEW;  -- an erasure of the memo: nothing else changes
    END IF;
    IF TG_OP = 'DELETE' OR OLD.status <> 'pending'
       OR NEW.amount <> OLD.amount OR NEW.debit_account_id <> OLD.debit_account_id
       OR NEW.credit_account_id <> OLD.credit_account_id OR NEW.unit <> OLD.unit THEN
        RAISE EXCEPTION 'hold %: a hold resolves once and its terms never change', OLD.id
            USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION ledger_check_audit_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'reason' - 'details') = (to_jsonb(OLD) - 'reason' - 'details') THEN
        RETURN NEW;  -- a redaction of personal values
    END IF;
    RAISE EXCEPTION 'ledger rows are append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '23000';
END $$;
DROP TRIGGER ledger_auditevent_append_only ON ledger_auditevent;
CREATE TRIGGER ledger_auditevent_append_only BEFORE UPDATE OR DELETE ON ledger_auditevent
    FOR EACH ROW EXECUTE FUNCTION ledger_check_audit_event_change();
"""

POSTGRESQL_REVERSE = r"""
DROP TRIGGER ledger_auditevent_append_only ON ledger_auditevent;
CREATE TRIGGER ledger_auditevent_append_only BEFORE UPDATE OR DELETE ON ledger_auditevent
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
DROP FUNCTION ledger_check_audit_event_change();

CREATE OR REPLACE FUNCTION ledger_check_hold_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.status <> 'pending'
       OR NEW.amount <> OLD.amount OR NEW.debit_account_id <> OLD.debit_account_id
       OR NEW.credit_account_id <> OLD.credit_account_id OR NEW.unit <> OLD.unit THEN
        RAISE EXCEPTION 'hold %: a hold resolves once and its terms never change', OLD.id
            USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER ledger_transaction_append_only ON ledger_transaction;
CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
DROP FUNCTION ledger_check_transaction_change();
"""

TRANSACTION_GUARDED = "id, kind, memo_code, actor_id, created_at, idempotency_key, request_hash, reverses_id"
HOLD_GUARDED = (
    "id, debit_account_id, credit_account_id, unit, amount, captured_amount, status, memo_code, actor_id,"
    " created_at, expires_at, resolved_at, resolved_by_id, capture_transaction_id, idempotency_key, request_hash"
)
AUDIT_EVENT_GUARDED = "id, actor_id, action, object_type, object_id, created_at"

SQLITE_HOLD_RESOLVES_ONCE = """CREATE TRIGGER ledger_hold_resolves_once BEFORE UPDATE ON ledger_hold
       WHEN OLD.status <> 'pending' OR NEW.amount <> OLD.amount
            OR NEW.debit_account_id <> OLD.debit_account_id OR NEW.credit_account_id <> OLD.credit_account_id
       BEGIN SELECT RAISE(ABORT, 'a hold resolves once and its terms never change'); END"""

SQLITE = [
    "DROP TRIGGER IF EXISTS ledger_transaction_no_update",
    f"""CREATE TRIGGER ledger_transaction_no_update BEFORE UPDATE OF {TRANSACTION_GUARDED} ON ledger_transaction
       BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_transaction is refused'); END""",
    """CREATE TRIGGER ledger_transaction_memo_change BEFORE UPDATE ON ledger_transaction
       WHEN NOT (
           (OLD.memo_digest <> '' AND NEW.memo_digest = OLD.memo_digest AND NEW.memo_salt = '')
           OR (OLD.memo_digest = '' AND OLD.memo_salt = '' AND NEW.memo_digest <> '' AND NEW.memo_salt <> ''
               AND NEW.memo IS OLD.memo AND NEW.memo_params IS OLD.memo_params
               AND OLD.id > COALESCE((SELECT max(last_transaction_id) FROM ledger_seal), 0))
       )
       BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_transaction is refused'); END""",
    "DROP TRIGGER IF EXISTS ledger_hold_resolves_once",
    f"""CREATE TRIGGER ledger_hold_resolves_once BEFORE UPDATE OF {HOLD_GUARDED} ON ledger_hold
       WHEN OLD.status <> 'pending' OR NEW.amount <> OLD.amount
            OR NEW.debit_account_id <> OLD.debit_account_id OR NEW.credit_account_id <> OLD.credit_account_id
       BEGIN SELECT RAISE(ABORT, 'a hold resolves once and its terms never change'); END""",
    "DROP TRIGGER IF EXISTS ledger_auditevent_no_update",
    f"""CREATE TRIGGER ledger_auditevent_no_update BEFORE UPDATE OF {AUDIT_EVENT_GUARDED} ON ledger_auditevent
       BEGIN SELECT RAISE(ABORT, 'append-only: UPDATE on ledger_auditevent is refused'); END""",
]

SQLITE_TRANSACTION_NO_UPDATE = """CREATE TRIGGER IF NOT EXISTS ledger_transaction_no_update
       BEFORE UPDATE ON ledger_transaction
       BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_transaction is refused'); END"""

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_auditevent_no_update",
    """CREATE TRIGGER ledger_auditevent_no_update BEFORE UPDATE ON ledger_auditevent
       BEGIN SELECT RAISE(ABORT, 'append-only: UPDATE on ledger_auditevent is refused'); END""",
    "DROP TRIGGER IF EXISTS ledger_hold_resolves_once",
    SQLITE_HOLD_RESOLVES_ONCE,
    "DROP TRIGGER IF EXISTS ledger_transaction_memo_change",
    "DROP TRIGGER IF EXISTS ledger_transaction_no_update",
]


def fill_memo_commitments(Transaction, Seal, using: str) -> int:
    """Give every transaction no seal covers yet a salt and the digest of its memo; returns how many.

    Sealed transactions are left as they are (legacy line, memo in clear): their seals must verify.
    """
    last_sealed = Seal.objects.using(using).order_by("-sequence").values_list("last_transaction_id", flat=True).first()
    pending = Transaction.objects.using(using).filter(id__gt=last_sealed or 0, memo_digest="").order_by("id")
    filled = []
    for txn in pending.only("id", "memo", "memo_code", "memo_params").iterator(chunk_size=2000):
        txn.memo_salt, txn.memo_digest = new_memo_commitment(txn.memo, txn.memo_code, txn.memo_params)
        filled.append(txn)
    Transaction.objects.using(using).bulk_update(filled, ["memo_salt", "memo_digest"], batch_size=500)
    return len(filled)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    if vendor == "postgresql":
        # No sealer may read the rows between the fill and its commit (it would seal their old line).
        schema_editor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
    # After the triggers: the fill is the one UPDATE of sealed-layout columns they let through.
    fill_memo_commitments(
        apps.get_model("ledger", "Transaction"), apps.get_model("ledger", "Seal"), schema_editor.connection.alias
    )


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


def restore_sqlite_no_update(apps, schema_editor):
    """Reversed last: removing the columns rebuilt the table on SQLite, and dropped its trigger."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRANSACTION_NO_UPDATE)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0013_memo_codes"),
        ("core", "0001_audit_and_idempotency"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_no_update),
        migrations.AddField(
            model_name="transaction",
            name="memo_salt",
            field=models.CharField(blank=True, db_default="", default="", max_length=32, verbose_name="memo salt"),
        ),
        migrations.AddField(
            model_name="transaction",
            name="memo_digest",
            field=models.CharField(blank=True, db_default="", default="", max_length=64, verbose_name="memo digest"),
        ),
        migrations.RunPython(install, uninstall),
    ]
