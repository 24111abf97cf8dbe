"""ServiceRecord leaves currency's state for the timebank app (timebank's 0001); the table,
currency_servicerecord, stays where it is with its rows."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("currency", "0002_backing_trigger"),
        ("timebank", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ServiceRecord")],
            database_operations=[],
        ),
    ]
