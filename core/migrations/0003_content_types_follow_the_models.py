"""The content types of the models core took over follow them (ledger's audit log and API
idempotency, config's outbox and heartbeat), so permissions granted on them and the admin's log
entries keep pointing at them. On a new database there is nothing to move (the content types are
created after the migrations); where both exist already, the old one is left as it is.
"""

from django.db import migrations

MOVED = [
    ("ledger", "auditevent"),
    ("ledger", "idempotencyrecord"),
    ("config", "outboundemail"),
    ("config", "workerheartbeat"),
]


def follow(apps, schema_editor, *, forward=True):
    content_types = apps.get_model("contenttypes", "ContentType")
    for old_app, model in MOVED:
        source, target = (old_app, "core") if forward else ("core", old_app)
        if not content_types.objects.filter(app_label=target, model=model).exists():
            content_types.objects.filter(app_label=source, model=model).update(app_label=target)


def back(apps, schema_editor):
    follow(apps, schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_outbox_and_heartbeat"),
    ]

    operations = [migrations.RunPython(follow, back)]
