"""Transaction kinds become rows: `TransactionKind` (code as primary key) and `Transaction.kind` a
foreign key to it (column still "kind"), so the database refuses a kind no app registered.

Before the column becomes a foreign key, every kind already present in transactions gets its row
(read from the data, so this does not wait for the domain apps' migrations), with the ledger's own
kinds. The other apps insert theirs in their own migrations. No trigger or constraint of 0002-0010
reads the kind: they stay as they are.
"""

import django.db.models.deletion
from django.db import migrations, models

LEDGER_KINDS = ["transfer", "posting", "hold_capture", "reversal"]


SQLITE_NO_UPDATE = """CREATE TRIGGER IF NOT EXISTS ledger_transaction_no_update BEFORE UPDATE ON ledger_transaction
       BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_transaction is refused'); END"""


def recreate_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_NO_UPDATE)


def insert_kinds_in_use(apps, schema_editor):
    db = schema_editor.connection.alias
    Transaction = apps.get_model("ledger", "Transaction")
    TransactionKind = apps.get_model("ledger", "TransactionKind")
    in_use = set(Transaction.objects.using(db).order_by().values_list("kind", flat=True).distinct())
    codes = sorted(in_use | set(LEDGER_KINDS))
    TransactionKind.objects.using(db).bulk_create([TransactionKind(code=code) for code in codes], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_audit_and_idempotency_to_core")]

    operations = [
        migrations.CreateModel(
            name="TransactionKind",
            fields=[("code", models.CharField(max_length=20, primary_key=True, serialize=False, verbose_name="code"))],
            options={
                "verbose_name": "transaction kind",
                "verbose_name_plural": "transaction kinds",
                "ordering": ["code"],
            },
        ),
        migrations.RunPython(insert_kinds_in_use, recreate_sqlite_trigger),
        migrations.AlterField(
            model_name="transaction",
            name="kind",
            field=models.ForeignKey(
                db_column="kind",
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.transactionkind",
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(recreate_sqlite_trigger, migrations.RunPython.noop),
    ]
