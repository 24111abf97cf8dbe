"""The transaction kinds of cooperative's postings, as rows of the ledger's kind table (ledger.kinds)."""

from django.db import migrations

from ledger.kinds import kinds_migration


class Migration(migrations.Migration):
    dependencies = [("cooperative", "0002_register_append_only"), ("ledger", "0012_transaction_kind_table")]

    operations = [kinds_migration(["share_subscription", "share_redemption"])]
