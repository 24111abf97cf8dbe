# The member picker searches names folded by core.text.search_key (accents, case, punctuation):
# the column, then the key of every existing member (save() keeps it from now on).

from django.db import migrations, models

from core.text import search_key


def fill_search_keys(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    batch = []
    for member in Member.objects.only("id", "display_name").iterator(chunk_size=1000):
        member.search_key = search_key(member.display_name)[:255]
        batch.append(member)
        if len(batch) == 1000:
            Member.objects.bulk_update(batch, ["search_key"])
            batch = []
    Member.objects.bulk_update(batch, ["search_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_membershippayment_moves_to_membership"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="search_key",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=255),
        ),
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop),
    ]
