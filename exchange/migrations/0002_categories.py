"""The two-level category tree of the marketplace; administrators edit it afterwards (admin)."""

from django.db import migrations

# (slug, French, English, [(slug, French, English), …]); positions follow this order.
CATEGORIES = [
    (
        "alimentation",
        "Alimentation",
        "Food",
        [
            ("pain-patisserie", "Pain et pâtisserie", "Bread and pastry"),
            ("fruits-legumes", "Fruits et légumes", "Fruit and vegetables"),
            ("oeufs-produits-laitiers", "Œufs et produits laitiers", "Eggs and dairy"),
            ("conserves-confitures", "Conserves et confitures", "Preserves and jams"),
            ("plats-cuisines", "Plats cuisinés", "Home-cooked meals"),
        ],
    ),
    (
        "reparations",
        "Réparations",
        "Repairs",
        [
            ("reparation-velos", "Vélos", "Bikes"),
            ("reparation-electromenager", "Électroménager", "Household appliances"),
            ("reparation-vetements", "Couture et retouches", "Sewing and alterations"),
            ("reparation-meubles", "Meubles", "Furniture"),
        ],
    ),
    (
        "bricolage",
        "Bricolage",
        "DIY",
        [
            ("menuiserie", "Menuiserie", "Woodwork"),
            ("plomberie", "Plomberie", "Plumbing"),
            ("electricite", "Électricité", "Electrical work"),
            ("peinture", "Peinture", "Painting and decorating"),
        ],
    ),
    (
        "jardinage",
        "Jardinage",
        "Gardening",
        [
            ("potager", "Potager", "Vegetable garden"),
            ("taille-entretien", "Taille et entretien", "Pruning and upkeep"),
            ("semences-plants", "Semences et plants", "Seeds and seedlings"),
        ],
    ),
    (
        "cours",
        "Cours et savoirs",
        "Lessons",
        [
            ("cours-langues", "Langues", "Languages"),
            ("cours-musique", "Musique", "Music"),
            ("soutien-scolaire", "Soutien scolaire", "Tutoring"),
            ("cours-cuisine", "Cuisine", "Cooking"),
        ],
    ),
    (
        "transport",
        "Transport",
        "Transport",
        [
            ("covoiturage", "Covoiturage", "Car sharing"),
            ("demenagement", "Déménagement", "Moving house"),
            ("livraison", "Livraisons et courses", "Deliveries and errands"),
        ],
    ),
    (
        "soins",
        "Soins et entraide",
        "Care",
        [
            ("garde-enfants", "Garde d'enfants", "Childcare"),
            ("aide-personnes-agees", "Aide aux personnes âgées", "Help for the elderly"),
            ("animaux", "Animaux", "Pets"),
            ("bien-etre", "Bien-être", "Well-being"),
        ],
    ),
    (
        "informatique",
        "Aide informatique",
        "IT help",
        [
            ("depannage-informatique", "Dépannage", "Troubleshooting"),
            ("initiation-numerique", "Initiation au numérique", "Digital skills"),
            ("sites-web", "Sites web", "Websites"),
        ],
    ),
    (
        "pret-outils",
        "Prêt d'outils",
        "Lending of tools",
        [
            ("outils-jardin", "Outils de jardin", "Garden tools"),
            ("outils-bricolage", "Outils de bricolage", "DIY tools"),
            ("materiel-cuisine", "Matériel de cuisine", "Kitchen equipment"),
        ],
    ),
    (
        "tiers-lieux",
        "Tiers-lieux",
        "Third places",
        [
            ("salles", "Salles", "Rooms"),
            ("bureaux-coworking", "Bureaux et coworking", "Desks and coworking"),
            ("ateliers-partages", "Ateliers partagés", "Shared workshops"),
        ],
    ),
    ("divers", "Divers", "Miscellaneous", []),
]


def add_categories(apps, schema_editor):
    Category = apps.get_model("exchange", "Category")
    for position, (slug, name_fr, name_en, children) in enumerate(CATEGORIES):
        parent, _created = Category.objects.get_or_create(
            slug=slug, defaults={"name_fr": name_fr, "name_en": name_en, "position": position}
        )
        for child_position, (child_slug, child_fr, child_en) in enumerate(children):
            Category.objects.get_or_create(
                slug=child_slug,
                defaults={"parent": parent, "name_fr": child_fr, "name_en": child_en, "position": child_position},
            )


def remove_categories(apps, schema_editor):
    Category = apps.get_model("exchange", "Category")
    slugs = [slug for slug, *_rest in CATEGORIES]
    children = [child[0] for *_head, kids in CATEGORIES for child in kids]
    Category.objects.filter(slug__in=children, listings__isnull=True).delete()
    Category.objects.filter(slug__in=slugs, listings__isnull=True, children__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [migrations.RunPython(add_categories, remove_categories)]
