"""Backers' names are private by default (issue 19, RGPD).

Until now a pledge showed its backer's full name on the campaign's public page unless the backer
ticked "anonymous". Showing a name to the public is a processing that rests on the person's
consent, and consent must be given by a clear act (RGPD art. 4(11) and 7): a box nobody ticked
records no consent at all. So:

- new pledges are anonymous unless the backer ticks « Afficher mon nom sur la page du projet »
  (or sends `anonymous: false` on the API): the field's default becomes True;
- every existing pledge becomes anonymous, since none of them ever recorded a consent to be named.
  Backers who want their name shown again tick the box on their pledge ("Change my pledge"), as
  long as the campaign is live.

The reverse migration only restores the default: which pledges were named before cannot be told
apart any more, and naming them again without consent is what this migration undoes.
"""

from django.db import migrations, models


def make_every_pledge_anonymous(apps, schema_editor):
    Pledge = apps.get_model("crowdfunding", "Pledge")
    Pledge.objects.filter(anonymous=False).update(anonymous=True)


class Migration(migrations.Migration):
    dependencies = [("crowdfunding", "0003_transaction_kinds")]

    operations = [
        migrations.AlterField(
            model_name="pledge",
            name="anonymous",
            field=models.BooleanField(default=True, verbose_name="anonymous on the public page"),
        ),
        migrations.RunPython(make_every_pledge_anonymous, migrations.RunPython.noop, elidable=True),
    ]
