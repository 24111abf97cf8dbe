from django.db import migrations

from ledger.kinds import kinds_migration


class Migration(migrations.Migration):
    dependencies = [("places", "0006_plans_and_passes")]

    operations = [kinds_migration(["carnet_purchase", "credit_grant", "credit_expiry"])]
