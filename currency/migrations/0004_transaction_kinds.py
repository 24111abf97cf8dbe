"""The transaction kinds of currency's postings, as rows of the ledger's kind table (ledger.kinds)."""

from django.db import migrations

from ledger.kinds import kinds_migration


class Migration(migrations.Migration):
    dependencies = [("currency", "0003_servicerecord_moves_to_timebank"), ("ledger", "0012_transaction_kind_table")]

    operations = [kinds_migration(["conversion", "reconversion", "demurrage", "payment_request"])]
