"""The transaction kinds of crowdfunding's postings, as rows of the ledger's kind table (ledger.kinds)."""

from django.db import migrations

from ledger.kinds import kinds_migration


class Migration(migrations.Migration):
    dependencies = [("crowdfunding", "0002_update_delivered_at"), ("ledger", "0012_transaction_kind_table")]

    operations = [kinds_migration(["campaign_payout"])]
