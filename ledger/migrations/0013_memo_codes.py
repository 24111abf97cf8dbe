"""System memos as a code and parameters (ledger.memos) on transactions and holds.

Both columns are nullable without a default: a plain ADD COLUMN on PostgreSQL and on SQLite (no
table rebuild, so SQLite's append-only triggers stay), and no existing ledger row is rewritten.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0012_transaction_kind_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="hold",
            name="memo_code",
            field=models.CharField(blank=True, max_length=60, null=True, verbose_name="memo code"),
        ),
        migrations.AddField(
            model_name="hold",
            name="memo_params",
            field=models.JSONField(blank=True, null=True, verbose_name="memo parameters"),
        ),
        migrations.AddField(
            model_name="transaction",
            name="memo_code",
            field=models.CharField(blank=True, max_length=60, null=True, verbose_name="memo code"),
        ),
        migrations.AddField(
            model_name="transaction",
            name="memo_params",
            field=models.JSONField(blank=True, null=True, verbose_name="memo parameters"),
        ),
    ]
