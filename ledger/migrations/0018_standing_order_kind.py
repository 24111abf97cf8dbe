"""The transaction kind of a standing order's payment (ledger.kinds.STANDING_ORDER)."""

from django.db import migrations

from ledger.kinds import kinds_migration


class Migration(migrations.Migration):
    dependencies = [("ledger", "0017_standing_orders")]

    operations = [kinds_migration(["standing_order"])]
