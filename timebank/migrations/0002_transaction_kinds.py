"""The transaction kinds of timebank's postings, as rows of the ledger's kind table (ledger.kinds)."""

from django.db import migrations

from ledger.kinds import kinds_migration


class Migration(migrations.Migration):
    dependencies = [("timebank", "0001_initial"), ("ledger", "0012_transaction_kind_table")]

    operations = [kinds_migration(["service"])]
