"""The transaction kinds of membership's postings, as rows of the ledger's kind table (ledger.kinds)."""

from django.db import migrations

from ledger.kinds import kinds_migration


class Migration(migrations.Migration):
    dependencies = [("membership", "0002_content_type_follows_the_model"), ("ledger", "0012_transaction_kind_table")]

    operations = [kinds_migration(["membership"])]
