"""The ledger's invariants checked per statement and once per transaction, not per row.

0002 guarded them with row triggers: per entry a chain check and two deferred checks (zero-sum,
account totals), per transaction one, per account change one, ≈ 15 trigger queries a transfer.
A batch of 1,000 transfers spent most of its time there. The guarantees are the same; only
their grouping changes:

- the balance_after chain is checked at the end of each INSERT statement on ledger_entry, over
  all the statement's rows at once (a transition table);
- every statement that writes ledger rows (transactions and entries inserted, account balance
  or held changed, holds inserted or resolved) records the ids it touched in
  ledger_invariant_queue, and makes sure its database transaction has one row in
  ledger_invariant_check; the deferred constraint trigger on that row runs at COMMIT (or at
  SET CONSTRAINTS … IMMEDIATE) and checks, set-based, every queued transaction (at least two
  entries, zero-sum per unit) and account (balance = last balance_after, held = pending holds),
  with the same messages and SQLSTATE as before.

Both tables only ever hold rows of transactions in flight: UNLOGGED, no WAL. JIT is off in the
checks: the planner's estimates for id arrays are far off and compiling cost more than running.
PostgreSQL only; SQLite keeps the row triggers of 0002.
"""

import importlib

from django.db import migrations

before = importlib.import_module("ledger.migrations.0002_database_invariants")

POSTGRESQL = r"""
CREATE UNLOGGED TABLE ledger_invariant_queue (
    xid xid8 NOT NULL,
    transaction_ids bigint[] NOT NULL,
    account_ids bigint[] NOT NULL
);
CREATE INDEX ledger_invariant_queue_xid ON ledger_invariant_queue (xid);
CREATE UNLOGGED TABLE ledger_invariant_check (xid xid8 PRIMARY KEY);

CREATE FUNCTION ledger_queue_invariants(transaction_ids bigint[], account_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF COALESCE(cardinality(transaction_ids), 0) = 0 AND COALESCE(cardinality(account_ids), 0) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO ledger_invariant_queue (xid, transaction_ids, account_ids)
        VALUES (pg_current_xact_id(), COALESCE(transaction_ids, '{}'), COALESCE(account_ids, '{}'));
    INSERT INTO ledger_invariant_check (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
END $$;

CREATE FUNCTION ledger_check_invariants() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
DECLARE txns bigint[]; accounts bigint[]; bad record;
BEGIN
    SELECT COALESCE(array_agg(DISTINCT t.id), '{}') INTO txns
        FROM ledger_invariant_queue q, unnest(q.transaction_ids) AS t(id) WHERE q.xid = NEW.xid;
    SELECT COALESCE(array_agg(DISTINCT a.id), '{}') INTO accounts
        FROM ledger_invariant_queue q, unnest(q.account_ids) AS a(id) WHERE q.xid = NEW.xid;
    DELETE FROM ledger_invariant_queue WHERE xid = NEW.xid;
    DELETE FROM ledger_invariant_check WHERE xid = NEW.xid;

    SELECT t.id INTO bad FROM unnest(txns) AS t(id)
        WHERE (SELECT count(*) FROM ledger_entry e WHERE e.transaction_id = t.id) < 2 ORDER BY t.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'transaction % has fewer than two entries', bad.id USING ERRCODE = '23514';
    END IF;
    SELECT e.transaction_id, e.unit, SUM(e.amount) AS total INTO bad FROM ledger_entry e
        WHERE e.transaction_id = ANY (txns) GROUP BY e.transaction_id, e.unit HAVING SUM(e.amount) <> 0
        ORDER BY e.transaction_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'transaction % is unbalanced: its % entries sum to %',
            bad.transaction_id, bad.unit, bad.total USING ERRCODE = '23514';
    END IF;
    SELECT a.id, a.balance, COALESCE(last.balance_after, 0) AS last_balance INTO bad FROM ledger_account a
        LEFT JOIN LATERAL (SELECT e.balance_after FROM ledger_entry e WHERE e.account_id = a.id
                           ORDER BY e.id DESC LIMIT 1) last ON true
        WHERE a.id = ANY (accounts) AND a.balance <> COALESCE(last.balance_after, 0) ORDER BY a.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'account %: balance % differs from its last entry''s balance_after %',
            bad.id, bad.balance, bad.last_balance USING ERRCODE = '23514';
    END IF;
    SELECT a.id, a.held, COALESCE(pending.total, 0) AS pending INTO bad FROM ledger_account a
        LEFT JOIN LATERAL (SELECT SUM(h.amount) AS total FROM ledger_hold h
                           WHERE h.debit_account_id = a.id AND h.status = 'pending') pending ON true
        WHERE a.id = ANY (accounts) AND a.held <> COALESCE(pending.total, 0) ORDER BY a.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'account %: held % differs from its pending holds %', bad.id, bad.held, bad.pending
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_invariants AFTER INSERT ON ledger_invariant_check
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_invariants();

CREATE FUNCTION ledger_entries_inserted() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
DECLARE bad record; txns bigint[]; accounts bigint[];
BEGIN
    -- Within the statement, an entry follows the one before it on its account (a window);
    -- only an account's first entry of the statement is looked up in the index.
    SELECT o.account_id, o.balance_after, o.amount, o.previous INTO bad FROM (
        SELECT w.id, w.account_id, w.balance_after, w.amount, COALESCE(w.before_in_statement, (
            SELECT e.balance_after FROM ledger_entry e WHERE e.account_id = w.account_id AND e.id < w.id
            ORDER BY e.id DESC LIMIT 1), 0) AS previous
        FROM (SELECT n.id, n.account_id, n.balance_after, n.amount,
                     lag(n.balance_after) OVER (PARTITION BY n.account_id ORDER BY n.id) AS before_in_statement
              FROM new_entries n) w
    ) o WHERE o.balance_after <> o.previous + o.amount ORDER BY o.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry on account %: balance_after % is not % + %',
            bad.account_id, bad.balance_after, bad.previous, bad.amount USING ERRCODE = '23514';
    END IF;
    SELECT array_agg(DISTINCT transaction_id), array_agg(DISTINCT account_id) INTO txns, accounts FROM new_entries;
    PERFORM ledger_queue_invariants(txns, accounts);
    RETURN NULL;
END $$;

CREATE FUNCTION ledger_transactions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_queue_invariants((SELECT array_agg(id) FROM new_transactions), NULL);
    RETURN NULL;
END $$;

CREATE FUNCTION ledger_accounts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM ledger_queue_invariants(NULL, (SELECT array_agg(id) FROM new_accounts));
    ELSE
        PERFORM ledger_queue_invariants(NULL, (
            SELECT array_agg(n.id) FROM new_accounts n WHERE NOT EXISTS (
                SELECT 1 FROM old_accounts o WHERE o.id = n.id AND o.balance = n.balance AND o.held = n.held)));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION ledger_holds_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM ledger_queue_invariants(NULL, (SELECT array_agg(DISTINCT debit_account_id) FROM new_holds));
    ELSE
        PERFORM ledger_queue_invariants(NULL, (SELECT array_agg(DISTINCT account_id) FROM (
            SELECT debit_account_id AS account_id FROM new_holds
            UNION SELECT debit_account_id FROM old_holds) touched));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ledger_entry_inserted AFTER INSERT ON ledger_entry
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_inserted();
CREATE TRIGGER ledger_transaction_inserted AFTER INSERT ON ledger_transaction
    REFERENCING NEW TABLE AS new_transactions FOR EACH STATEMENT EXECUTE FUNCTION ledger_transactions_inserted();
CREATE TRIGGER ledger_account_inserted AFTER INSERT ON ledger_account
    REFERENCING NEW TABLE AS new_accounts FOR EACH STATEMENT EXECUTE FUNCTION ledger_accounts_changed();
CREATE TRIGGER ledger_account_updated AFTER UPDATE ON ledger_account
    REFERENCING OLD TABLE AS old_accounts NEW TABLE AS new_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_accounts_changed();
CREATE TRIGGER ledger_hold_inserted AFTER INSERT ON ledger_hold
    REFERENCING NEW TABLE AS new_holds FOR EACH STATEMENT EXECUTE FUNCTION ledger_holds_changed();
CREATE TRIGGER ledger_hold_updated AFTER UPDATE ON ledger_hold
    REFERENCING OLD TABLE AS old_holds NEW TABLE AS new_holds
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_holds_changed();

DROP TRIGGER ledger_hold_account_totals ON ledger_hold;
DROP TRIGGER ledger_entry_account_totals ON ledger_entry;
DROP TRIGGER ledger_account_totals ON ledger_account;
DROP FUNCTION ledger_check_account_totals();
DROP TRIGGER ledger_transaction_has_entries ON ledger_transaction;
DROP FUNCTION ledger_check_transaction_has_entries();
DROP TRIGGER ledger_entry_balanced ON ledger_entry;
DROP FUNCTION ledger_check_transaction_balanced();
DROP TRIGGER ledger_entry_chain ON ledger_entry;
DROP FUNCTION ledger_check_entry_chain();
"""

POSTGRESQL_REVERSE = (
    r"""
DROP TRIGGER IF EXISTS ledger_hold_updated ON ledger_hold;
DROP TRIGGER IF EXISTS ledger_hold_inserted ON ledger_hold;
DROP TRIGGER IF EXISTS ledger_account_updated ON ledger_account;
DROP TRIGGER IF EXISTS ledger_account_inserted ON ledger_account;
DROP TRIGGER IF EXISTS ledger_transaction_inserted ON ledger_transaction;
DROP TRIGGER IF EXISTS ledger_entry_inserted ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_holds_changed();
DROP FUNCTION IF EXISTS ledger_accounts_changed();
DROP FUNCTION IF EXISTS ledger_transactions_inserted();
DROP FUNCTION IF EXISTS ledger_entries_inserted();
DROP TRIGGER IF EXISTS ledger_invariants ON ledger_invariant_check;
DROP FUNCTION IF EXISTS ledger_check_invariants();
DROP FUNCTION IF EXISTS ledger_queue_invariants(bigint[], bigint[]);
DROP TABLE IF EXISTS ledger_invariant_check;
DROP TABLE IF EXISTS ledger_invariant_queue;
"""
    + before.ENTRY_CHAIN
    + before.TRANSACTION_BALANCED
    + before.TRANSACTION_HAS_ENTRIES
    + before.ACCOUNT_TOTALS
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_export_kind_verification")]

    operations = [migrations.RunPython(install, uninstall)]
