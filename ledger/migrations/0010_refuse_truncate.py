"""TRUNCATE of the append-only tables is refused on PostgreSQL, like their UPDATE and DELETE.

0002, 0006 and the share register's 0002 refuse UPDATE and DELETE row by row; TRUNCATE fires no
row trigger, so one statement could still empty the ledger. A statement-level BEFORE TRUNCATE
trigger now refuses it on every table those triggers guard: transactions, entries, holds, seals,
audit events and share movements. `TRUNCATE … CASCADE` from a table they reference (accounts,
members) fires the trigger of each table it would empty, so it is refused too.

The test suite's flush (what ends each transactional test on PostgreSQL) must still empty them.
It is let through only when both hold, checked by the database itself:

- the session says `SET LOCAL bocage.allow_truncate = 'on'` in the flush's own transaction:
  tests/conftest.py adds that statement to Django's flush SQL, and nothing else in the project
  does. No setting or environment variable reads or sets it, so no deployment can turn it on;
- the database's name starts with `test_`, as Django names every test database. A connection
  option smuggled into DATABASE_URL to set the variable cannot open a production database either.

Whoever can run arbitrary SQL as the tables' owner can also drop a trigger: that is what
`verify_ledger` and the seals are for. SQLite has no TRUNCATE (its test flush deletes rows).
"""

from django.db import migrations

TABLES = [
    "ledger_transaction",
    "ledger_entry",
    "ledger_hold",
    "ledger_seal",
    "ledger_auditevent",
    "cooperative_sharemovement",
]

POSTGRESQL = r"""
CREATE FUNCTION ledger_reject_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('bocage.allow_truncate', true) = 'on' AND current_database() LIKE 'test\_%' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'ledger rows are append-only: TRUNCATE on % is refused', TG_TABLE_NAME
        USING ERRCODE = '23000';
END $$;
""" + "\n".join(
    f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_truncate();"""
    for table in TABLES
)

POSTGRESQL_REVERSE = "\n".join(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};" for table in TABLES) + (
    "\nDROP FUNCTION IF EXISTS ledger_reject_truncate();"
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0009_lean_entry_writes"),
        ("cooperative", "0002_register_append_only"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
