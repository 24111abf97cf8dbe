"""The database's own guard of the ledger invariants (see ledger/models.py).

PostgreSQL gets all of them: deferred constraint triggers (checked at COMMIT) for zero-sum
transactions and for account balances matching their entries, a composite foreign key tying an
entry's unit to its account's, row triggers for append-only rows and the balance_after chain,
and a hold that resolves once. SQLite has no deferred triggers: it gets the row triggers it can
express (no UPDATE of transactions/entries, the chain, the unit, holds resolve once); the
services enforce the rest there. SQLite keeps DELETE open because Django's test flush uses it.
"""

from django.db import migrations

# Named parts: 0008 replaced the per-row ENTRY_CHAIN, TRANSACTION_BALANCED, TRANSACTION_HAS_ENTRIES and
# ACCOUNT_TOTALS with set-based triggers, and recreates them when it is reversed.
APPEND_ONLY = r"""
CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '23000';
END $$;
CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
"""

UNIT_FOREIGN_KEY = r"""
ALTER TABLE ledger_entry ADD CONSTRAINT entry_unit_is_account_unit
    FOREIGN KEY (account_id, unit) REFERENCES ledger_account (id, unit);
"""

ENTRY_CHAIN = r"""
CREATE FUNCTION ledger_check_entry_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE previous bigint;
BEGIN
    SELECT balance_after INTO previous FROM ledger_entry
        WHERE account_id = NEW.account_id ORDER BY id DESC LIMIT 1;
    IF NEW.balance_after <> COALESCE(previous, 0) + NEW.amount THEN
        RAISE EXCEPTION 'entry on account %: balance_after % is not % + %',
            NEW.account_id, NEW.balance_after, COALESCE(previous, 0), NEW.amount
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_entry_chain BEFORE INSERT ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_chain();
"""

TRANSACTION_BALANCED = r"""
CREATE FUNCTION ledger_check_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
    SELECT unit, SUM(amount) AS total INTO bad FROM ledger_entry
        WHERE transaction_id = NEW.transaction_id GROUP BY unit HAVING SUM(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'transaction % is unbalanced: its % entries sum to %',
            NEW.transaction_id, bad.unit, bad.total USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_transaction_balanced();
"""

TRANSACTION_HAS_ENTRIES = r"""
CREATE FUNCTION ledger_check_transaction_has_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM ledger_entry WHERE transaction_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'transaction % has fewer than two entries', NEW.id USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_transaction_has_entries AFTER INSERT ON ledger_transaction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_transaction_has_entries();
"""

ACCOUNT_TOTALS = r"""
CREATE FUNCTION ledger_check_account_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE target bigint; account record; last_balance bigint; pending bigint;
BEGIN
    -- Queued by whichever side changed (the account row, an entry on it, a hold on it): an
    -- entry or a hold written without moving the account row must be caught too.
    IF TG_TABLE_NAME = 'ledger_entry' THEN
        target := NEW.account_id;
    ELSIF TG_TABLE_NAME = 'ledger_hold' THEN
        target := NEW.debit_account_id;
    ELSE
        target := NEW.id;
    END IF;
    -- Deferred: read the row as it is at COMMIT, not as it was when the trigger was queued.
    SELECT id, balance, held INTO account FROM ledger_account WHERE id = target;
    SELECT balance_after INTO last_balance FROM ledger_entry
        WHERE account_id = target ORDER BY id DESC LIMIT 1;
    IF account.balance <> COALESCE(last_balance, 0) THEN
        RAISE EXCEPTION 'account %: balance % differs from its last entry''s balance_after %',
            target, account.balance, COALESCE(last_balance, 0) USING ERRCODE = '23514';
    END IF;
    SELECT COALESCE(SUM(amount), 0) INTO pending FROM ledger_hold
        WHERE debit_account_id = target AND status = 'pending';
    IF account.held <> pending THEN
        RAISE EXCEPTION 'account %: held % differs from its pending holds %',
            target, account.held, pending USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_account_totals AFTER INSERT OR UPDATE OF balance, held ON ledger_account
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_account_totals();
CREATE CONSTRAINT TRIGGER ledger_entry_account_totals AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_account_totals();
CREATE CONSTRAINT TRIGGER ledger_hold_account_totals AFTER INSERT OR UPDATE OF status ON ledger_hold
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_account_totals();
"""

HOLD_RESOLVES_ONCE = r"""
CREATE FUNCTION ledger_check_hold_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.status <> 'pending'
       OR NEW.amount <> OLD.amount OR NEW.debit_account_id <> OLD.debit_account_id
       OR NEW.credit_account_id <> OLD.credit_account_id OR NEW.unit <> OLD.unit THEN
        RAISE EXCEPTION 'hold %: a hold resolves once and its terms never change', OLD.id
            USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_hold_resolves_once BEFORE UPDATE OR DELETE ON ledger_hold
    FOR EACH ROW EXECUTE FUNCTION ledger_check_hold_change();
"""

POSTGRESQL = "\n".join(
    [
        APPEND_ONLY,
        UNIT_FOREIGN_KEY,
        ENTRY_CHAIN,
        TRANSACTION_BALANCED,
        TRANSACTION_HAS_ENTRIES,
        ACCOUNT_TOTALS,
        HOLD_RESOLVES_ONCE,
    ]
)

POSTGRESQL_REVERSE = r"""
DROP TRIGGER IF EXISTS ledger_hold_resolves_once ON ledger_hold;
DROP FUNCTION IF EXISTS ledger_check_hold_change();
DROP TRIGGER IF EXISTS ledger_hold_account_totals ON ledger_hold;
DROP TRIGGER IF EXISTS ledger_entry_account_totals ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_account_totals ON ledger_account;
DROP FUNCTION IF EXISTS ledger_check_account_totals();
DROP TRIGGER IF EXISTS ledger_transaction_has_entries ON ledger_transaction;
DROP FUNCTION IF EXISTS ledger_check_transaction_has_entries();
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_check_transaction_balanced();
DROP TRIGGER IF EXISTS ledger_entry_chain ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_check_entry_chain();
ALTER TABLE ledger_entry DROP CONSTRAINT IF EXISTS entry_unit_is_account_unit;
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_transaction_append_only ON ledger_transaction;
DROP FUNCTION IF EXISTS ledger_reject_change();
"""

SQLITE = [
    """CREATE TRIGGER ledger_transaction_no_update BEFORE UPDATE ON ledger_transaction
       BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_transaction is refused'); END""",
    """CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
       BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_entry is refused'); END""",
    """CREATE TRIGGER ledger_entry_unit BEFORE INSERT ON ledger_entry
       WHEN NEW.unit IS NOT (SELECT unit FROM ledger_account WHERE id = NEW.account_id)
       BEGIN SELECT RAISE(ABORT, 'an entry''s unit must be its account''s unit'); END""",
    """CREATE TRIGGER ledger_entry_chain BEFORE INSERT ON ledger_entry
       WHEN NEW.balance_after IS NOT COALESCE((SELECT balance_after FROM ledger_entry
            WHERE account_id = NEW.account_id ORDER BY id DESC LIMIT 1), 0) + NEW.amount
       BEGIN SELECT RAISE(ABORT, 'balance_after does not extend the account''s previous entry'); END""",
    """CREATE TRIGGER ledger_hold_resolves_once BEFORE UPDATE ON ledger_hold
       WHEN OLD.status <> 'pending' OR NEW.amount <> OLD.amount
            OR NEW.debit_account_id <> OLD.debit_account_id OR NEW.credit_account_id <> OLD.credit_account_id
       BEGIN SELECT RAISE(ABORT, 'a hold resolves once and its terms never change'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_transaction_no_update",
    "DROP TRIGGER IF EXISTS ledger_entry_no_update",
    "DROP TRIGGER IF EXISTS ledger_entry_unit",
    "DROP TRIGGER IF EXISTS ledger_entry_chain",
    "DROP TRIGGER IF EXISTS ledger_hold_resolves_once",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
