"""The content type of MembershipPayment follows it from members to membership, so permissions
granted on it and the admin's log entries keep pointing at it. On a new database there is nothing
to move (content types are created after the migrations); where both exist, the old one stays.
"""

from django.db import migrations


def move(apps, schema_editor, *, source="members", target="membership"):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label=target, model="membershippayment").exists():
        content_types.objects.filter(app_label=source, model="membershippayment").update(app_label=target)


def back(apps, schema_editor):
    move(apps, schema_editor, source="membership", target="members")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("membership", "0001_initial"),
    ]

    operations = [migrations.RunPython(move, back)]
