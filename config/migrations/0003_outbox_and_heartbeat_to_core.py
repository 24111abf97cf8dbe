"""The mail outbox and the worker heartbeat leave config for core: state only, the tables stay as
they are (core migration 0002 takes the models over with the same tables)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("config", "0002_outbox"),
        ("core", "0002_outbox_and_heartbeat"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="OutboundEmail"),
                migrations.DeleteModel(name="WorkerHeartbeat"),
            ],
            database_operations=[],
        ),
    ]
