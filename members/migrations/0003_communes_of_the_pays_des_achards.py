from django.db import migrations

# The nine communes of the CC du Pays des Achards (seat: 2 rue Michel-Breton, 85150 Les Achards).
COMMUNES = [
    ("Les Achards", "85150"),
    ("La Chapelle-Hermier", "85220"),
    ("Le Girouard", "85150"),
    ("Martinet", "85150"),
    ("Nieul-le-Dolent", "85430"),
    ("Sainte-Flaive-des-Loups", "85150"),
    ("Saint-Georges-de-Pointindoux", "85150"),
    ("Saint-Julien-des-Landes", "85150"),
    ("Beaulieu-sous-la-Roche", "85190"),
]


def add_communes(apps, schema_editor):
    Commune = apps.get_model("members", "Commune")
    for name, postal_code in COMMUNES:
        Commune.objects.get_or_create(name=name, defaults={"postal_code": postal_code})


class Migration(migrations.Migration):
    dependencies = [("members", "0002_commune_membershippayment_member_activity_and_more")]

    operations = [migrations.RunPython(add_communes, migrations.RunPython.noop)]
