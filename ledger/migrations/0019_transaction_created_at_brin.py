"""A BRIN index on `ledger_transaction.created_at`, PostgreSQL only (issue 22).

A ledger appends its transactions nearly in date order, so the table's blocks follow the dates:
a BRIN index (24 kB for a million transactions: the earliest and latest date of each run of 128
blocks) lets a date range, the FEC's count of its year above all, read only the blocks of that
range instead of the whole table (a quarter of the blocks for one year of four, measured on a
million rows), where a B-tree would cost every posting an index insertion for a yearly read.
`autosummarize`: a run of blocks is summarized (by autovacuum) as soon as the next one starts
filling, so the current year's blocks do not wait for a VACUUM before the index can skip them.

Built CONCURRENTLY (postings go on while it is built), hence outside a transaction: the migration
is not atomic. SQLite has no BRIN: nothing there, as in exchange's 0003 and 0004.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ledger_transaction_created_at_brin"
    " ON ledger_transaction USING brin (created_at) WITH (autosummarize = on)"
)
DROP = "DROP INDEX CONCURRENTLY IF EXISTS ledger_transaction_created_at_brin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("ledger", "0018_standing_order_kind")]

    operations = [migrations.RunPython(create_index, drop_index)]
