import re

import django.core.validators
from django.db import migrations, models

# The INSEE codes of the nine communes the 0003 migration brought (CC du Pays des Achards).
INSEE_CODES = {
    "Les Achards": "85152",
    "La Chapelle-Hermier": "85054",
    "Le Girouard": "85100",
    "Martinet": "85138",
    "Nieul-le-Dolent": "85161",
    "Sainte-Flaive-des-Loups": "85211",
    "Saint-Georges-de-Pointindoux": "85214",
    "Saint-Julien-des-Landes": "85229",
    "Beaulieu-sous-la-Roche": "85016",
}


def add_insee_codes(apps, schema_editor):
    Commune = apps.get_model("members", "Commune")
    for name, code in INSEE_CODES.items():
        Commune.objects.filter(name=name, insee_code="").update(insee_code=code)


class Migration(migrations.Migration):
    dependencies = [("members", "0003_communes_of_the_pays_des_achards")]

    operations = [
        migrations.AddField(
            model_name="commune",
            name="insee_code",
            field=models.CharField(
                blank=True,
                max_length=5,
                validators=[
                    django.core.validators.RegexValidator(
                        re.compile(r"^(\d{5}|2[AB]\d{3})$"),
                        "An INSEE code is five characters: digits, or 2A/2B and three digits.",
                    )
                ],
                verbose_name="INSEE code",
            ),
        ),
        migrations.AlterField(
            model_name="commune",
            name="postal_code",
            field=models.CharField(
                max_length=5,
                validators=[
                    django.core.validators.RegexValidator(re.compile(r"^\d{5}$"), "A postal code is five digits.")
                ],
                verbose_name="postal code",
            ),
        ),
        migrations.AddConstraint(
            model_name="commune",
            constraint=models.UniqueConstraint(
                condition=models.Q(("insee_code", ""), _negated=True),
                fields=("insee_code",),
                name="commune_insee_code_unique",
            ),
        ),
        migrations.RunPython(add_insee_codes, migrations.RunPython.noop),
    ]
