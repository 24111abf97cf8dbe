"""Two indexes and a foreign key that every posting paid for and nothing needed.

- ledger_entry(account_id): entry_account_recent (account_id, id DESC) serves every lookup by
  account, so the single-column index was written on each entry and never read.
- the foreign key ledger_entry.account_id → ledger_account.id (PostgreSQL): the composite key
  entry_unit_is_account_unit (account_id, unit) → ledger_account (id, unit) of migration 0002
  already refuses an entry on a missing account, at once rather than at COMMIT, and an account's
  deletion while entries point at it. SQLite keeps its foreign key (dropping one there means
  rebuilding the table, and with it its triggers); its ledger_entry_unit trigger checks the
  account too.
- ledger_transaction.idempotency_key's varchar_pattern_ops index (PostgreSQL), made by Django for
  LIKE queries on a unique text column: keys are only ever looked up whole, through the unique
  index.

The model state follows (db_index=False, db_constraint=False on Entry.account); the database
operations are written by hand so that SQLite does not rebuild ledger_entry.
"""

import django.db.models.deletion
from django.db import migrations, models

ENTRY_ACCOUNT_INDEX = "ledger_entry_account_id_e9f5e345"
KEY_LIKE_INDEX = "ledger_transaction_idempotency_key_7c87dd47_like"


def _entry_account_foreign_keys(schema_editor) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = 'ledger_entry'::regclass"
            " AND confrelid = 'ledger_account'::regclass AND conkey = ARRAY["
            "(SELECT attnum FROM pg_attribute WHERE attrelid = 'ledger_entry'::regclass AND attname = 'account_id')]"
        )
        return [row[0] for row in cursor.fetchall()]


def forwards(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {ENTRY_ACCOUNT_INDEX}")
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _entry_account_foreign_keys(schema_editor):
        schema_editor.execute(f'ALTER TABLE ledger_entry DROP CONSTRAINT "{name}"')
    schema_editor.execute(f"DROP INDEX IF EXISTS {KEY_LIKE_INDEX}")


def backwards(apps, schema_editor):
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {ENTRY_ACCOUNT_INDEX} ON ledger_entry (account_id)")
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE ledger_entry ADD CONSTRAINT ledger_entry_account_id_e9f5e345_fk_ledger_account_id"
        " FOREIGN KEY (account_id) REFERENCES ledger_account (id) DEFERRABLE INITIALLY DEFERRED"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {KEY_LIKE_INDEX} ON ledger_transaction (idempotency_key varchar_pattern_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_set_based_invariants")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="entry",
                    name="account",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="ledger.account",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
