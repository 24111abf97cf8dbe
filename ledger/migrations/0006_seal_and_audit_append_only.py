"""Seals and audit events are append-only, like the ledger's rows.

PostgreSQL: triggers refuse UPDATE and DELETE (TRUNCATE, which Django's test flush uses, fires no
row trigger). SQLite: UPDATE is refused (the test flush deletes rows there). A database superuser
can still drop a trigger: that is what `verify_ledger` is for.
"""

from django.db import migrations

TABLES = ["ledger_seal", "ledger_auditevent"]

POSTGRESQL = "\n".join(
    f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();"""
    for table in TABLES
)
POSTGRESQL_REVERSE = "\n".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in TABLES)
SQLITE = [
    f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
       BEGIN SELECT RAISE(ABORT, 'append-only: UPDATE on {table} is refused'); END"""
    for table in TABLES
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {table}_no_update" for table in TABLES]


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
    dependencies = [("ledger", "0005_seals_audit_exports")]

    operations = [migrations.RunPython(install, uninstall)]
