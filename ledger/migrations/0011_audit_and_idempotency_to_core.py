"""The audit log and API idempotency leave the ledger for core: state only, the tables (and their
triggers) stay as they are (core migration 0001 takes the models over with the same tables)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0010_refuse_truncate"),
        ("core", "0001_audit_and_idempotency"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AuditEvent"),
                migrations.DeleteModel(name="IdempotencyRecord"),
            ],
            database_operations=[],
        ),
    ]
