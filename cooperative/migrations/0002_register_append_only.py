"""The share register is append-only and numbered without gaps, whatever the code does.

PostgreSQL: triggers refuse UPDATE and DELETE of a movement (TRUNCATE, which Django's test flush
uses, fires no row trigger), and an INSERT whose number is not the cooperative's last + 1.
SQLite: the same, except DELETE (the test flush deletes rows there).
"""

from django.db import migrations

POSTGRESQL = """
CREATE FUNCTION cooperative_movement_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the share register is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER cooperative_movement_append_only BEFORE UPDATE OR DELETE ON cooperative_sharemovement
    FOR EACH ROW EXECUTE FUNCTION cooperative_movement_reject_change();

CREATE FUNCTION cooperative_movement_next_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.number <> COALESCE((SELECT max(number) FROM cooperative_sharemovement
                               WHERE cooperative_id = NEW.cooperative_id), 0) + 1 THEN
        RAISE EXCEPTION 'register movement % is not the next number of cooperative %', NEW.number, NEW.cooperative_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cooperative_movement_numbered BEFORE INSERT ON cooperative_sharemovement
    FOR EACH ROW EXECUTE FUNCTION cooperative_movement_next_number();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS cooperative_movement_numbered ON cooperative_sharemovement;
DROP FUNCTION IF EXISTS cooperative_movement_next_number();
DROP TRIGGER IF EXISTS cooperative_movement_append_only ON cooperative_sharemovement;
DROP FUNCTION IF EXISTS cooperative_movement_reject_change();
"""

SQLITE = [
    """CREATE TRIGGER cooperative_movement_no_update BEFORE UPDATE ON cooperative_sharemovement
       BEGIN SELECT RAISE(ABORT, 'the share register is append-only: UPDATE is refused'); END""",
    """CREATE TRIGGER cooperative_movement_numbered BEFORE INSERT ON cooperative_sharemovement
       WHEN NEW.number IS NOT COALESCE((SELECT max(number) FROM cooperative_sharemovement
            WHERE cooperative_id = NEW.cooperative_id), 0) + 1
       BEGIN SELECT RAISE(ABORT, 'a register movement must take the next number'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS cooperative_movement_no_update",
    "DROP TRIGGER IF EXISTS cooperative_movement_numbered",
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
    dependencies = [("cooperative", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
