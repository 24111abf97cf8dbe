"""The marketplace search under load: `search_timings(listings=20_000, repeat=50)`.

Builds `listings` listings (bulk insert; French titles and descriptions, accents and all, some
typed without accents, a common word "vélo" in about one in eight) in the current database, then
times what the search page runs for its first page (its count and the page of 20, with the photos'
prefetch), before and after issue 22:

- before: the previous search (configuration `french` computed by the expression index of
  migration 0003, recreated for the measurement and dropped afterwards) and Django's Paginator,
  whose `COUNT(*)` counts every match;
- after: `listing_search` on the stored tsvector column and `listing_results_page`, whose count
  stops at SEARCH_COUNT_LIMIT.

After the bulk load it runs VACUUM ANALYZE: autovacuum would analyze the table within a minute or
so (migration 0004 lowers its threshold to 2 % of the rows), but a measurement taken at once would
see a planner that does not know the new rows. The caller chooses the database (ledger_bench
points Django at its own); on SQLite only "after" is measured (no tsvector there).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from exchange.models import Category, Listing
from exchange.selectors.listings import WORD, ResultsPage, _tsquery, listing_results_page, listing_search
from members.models import Commune, Member

BENCH_USERNAME = "bench-search"
PAGE_SIZE = 20
OLD_INDEX = (
    "CREATE INDEX IF NOT EXISTS listing_fulltext ON exchange_listing USING gin "
    "(to_tsvector('french'::regconfig, COALESCE(title, '') || ' ' || COALESCE(description, '')))"
)

# (title, description, category slug); "{}" takes a place's or a detail's name.
SUBJECTS = [
    ("Vélo de ville {}", "Vélo de ville en bon état, pneus neufs, à venir chercher à {}.", "reparation-velos"),
    ("Réparation de vélos", "Je répare vos vélos : freins, dérailleur, chambres à air, à {}.", "reparation-velos"),
    ("Velo enfant {}", "Velo pour enfant de 6 a 8 ans, petites roues fournies, visible a {}.", "divers"),
    ("Tondeuse à prêter", "Tondeuse thermique, à récupérer à {} le samedi matin.", "outils-jardin"),
    ("Perceuse-visseuse", "Prêt d'une perceuse-visseuse avec forets, caution en heures, à {}.", "outils-bricolage"),
    ("Cours de guitare", "Cours de guitare pour débutants et élèves confirmés, à {} ou chez vous.", "cours-musique"),
    ("Soutien scolaire", "Aide aux devoirs pour élève de collège, mathématiques, à {}.", "soutien-scolaire"),
    ("Pain au levain", "Pain cuit au feu de bois chaque vendredi, commande la veille, {}.", "pain-patisserie"),
    ("Confitures maison", "Confitures de fraises, de mûres et d'abricots, pots de 350 g, {}.", "conserves-confitures"),
    ("Œufs frais", "Œufs de poules élevées en plein air, par six ou par douze, {}.", "oeufs-produits-laitiers"),
    ("Garde d'enfants", "Garde d'enfants le mercredi après-midi à {}, expérience en crèche.", "garde-enfants"),
    ("Covoiturage vers La Roche-sur-Yon", "Départ de {} à 7 h 30, retour à 18 h, du lundi au vendredi.", "covoiturage"),
    ("Étagère en chêne", "Étagère en chêne massif faite à {}, 180 × 80 cm.", "menuiserie"),
    ("Légumes du potager", "Courgettes, tomates et haricots verts du jardin, à {}.", "fruits-legumes"),
    ("Aide au déménagement", "Deux bras et une camionnette pour votre déménagement autour de {}.", "demenagement"),
    ("Dépannage informatique", "Virus, sauvegardes, imprimante : dépannage à domicile à {}.", "depannage-informatique"),
    ("Retouches de vêtements", "Ourlets, fermetures éclair et reprises, à {}.", "reparation-vetements"),
    ("Taille de haies", "Taille de haies et élagage des fruitiers à {}, outillage fourni.", "taille-entretien"),
    ("Cours d'anglais", "Conversation anglaise pour adultes, niveau débutant, à {}.", "cours-langues"),
    ("Balade à vélo électrique", "Je prête mon vélo électrique pour une balade dans le bocage de {}.", "covoiturage"),
    ("Accompagnement de personnes âgées", "Courses et visites aux personnes âgées de {}.", "aide-personnes-agees"),
    ("Initiation au numérique", "Apprendre à se servir d'une tablette, médiathèque de {}.", "initiation-numerique"),
    ("Salle pour réunion", "Salle de 30 places à {}, vidéoprojecteur et café.", "salles"),
    ("Plants de tomates", "Plants de tomates anciennes et semences de haricots, {}.", "semences-plants"),
]
UNITS = [("GRN", 100), ("HRS", 100), ("ACH", 100), ("", 0)]
STATUSES = [Listing.Status.ACTIVE] * 17 + [Listing.Status.PAUSED, Listing.Status.CLOSED, Listing.Status.EXPIRED]
CASES: dict[str, dict[str, Any]] = {
    "q=vélo": {"q": "vélo"},
    "q=velo": {"q": "velo"},
    "q=vélo&price_max=20": {"q": "vélo", "price_max": Decimal("20")},
    "price_min=5&price_max=20": {"price_min": Decimal("5"), "price_max": Decimal("20")},
}


def _author() -> Member:
    user, _ = get_user_model().objects.get_or_create(username=BENCH_USERNAME, defaults={"password": "!"})
    member, _ = Member.objects.get_or_create(
        user=user,
        defaults={
            "display_name": "Banc d'essai",
            "search_key": "banc d essai",
            "kind": Member.Kind.INDIVIDUAL,
            "membership_expires_on": timezone.localdate() + dt.timedelta(days=365),
        },
    )
    return member


def load_listings(count: int, *, seed: int = 22) -> dict[str, Any]:
    """Replace the bench author's listings by `count` new ones (bulk inserts), then ANALYZE."""
    started = time.monotonic()
    rng = random.Random(seed)
    author = _author()
    Listing.objects.filter(author=author).delete()
    categories = {category.slug: category.pk for category in Category.objects.all()}
    communes: list[tuple[int | None, str]] = [*Commune.objects.values_list("pk", "name")] or [(None, "Les Achards")]
    now = timezone.now()
    batch: list[Listing] = []
    for number in range(count):
        title, description, slug = rng.choice(SUBJECTS)
        commune_id, commune_name = rng.choice(communes)
        unit, scale = rng.choice(UNITS)
        batch.append(
            Listing(
                author=author,
                kind=Listing.Kind.WANT if number % 7 == 0 else Listing.Kind.OFFER,
                title=title.format(commune_name)[:120],
                description=description.format(commune_name),
                category_id=categories[slug],
                commune_id=commune_id,
                unit=unit,
                price=rng.randint(1, 60) * scale if unit else None,
                expires_on=(now + dt.timedelta(days=rng.randint(1, 90))).date(),
                status=rng.choice(STATUSES),
                created_at=now - dt.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60)),
            )
        )
        if len(batch) == 2000:
            Listing.objects.bulk_create(batch)
            batch = []
    Listing.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM also drops an earlier run's deleted rows from the GIN index (a search would
            # read them); it cannot run inside a transaction, ANALYZE alone then.
            statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            cursor.execute(f"{statement} exchange_listing")
    return {"listings": count, "load_seconds": round(time.monotonic() - started, 1)}


def _before(filters: dict[str, Any]) -> QuerySet[Listing]:
    """The search as it was before issue 22: `french`, computed per row unless the index serves it."""
    others = {key: value for key, value in filters.items() if key != "q"}
    queryset = listing_search(**others)
    words = WORD.findall(filters.get("q", "").lower())
    if words:
        query = SearchQuery(_tsquery(words), config="french", search_type="raw")
        queryset = queryset.alias(old=SearchVector("title", "description", config="french")).filter(old=query)
    return queryset.prefetch_related("photos")


def _before_page(filters: dict[str, Any]) -> list[Listing]:
    """What the page ran before: Paginator's full COUNT(*), then the page."""
    return list(Paginator(_before(filters), PAGE_SIZE).get_page(1).object_list)


def _after(filters: dict[str, Any]) -> ResultsPage:
    return listing_results_page(listing_search(**filters).prefetch_related("photos"), number=1, size=PAGE_SIZE)


def _timed(function: Callable[[], Any], repeat: int) -> dict[str, Any]:
    function()  # warm: the first run pays for connections and caches, not for the search
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))], 2),
        "repeat": repeat,
    }


def _load_average() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as file:
            return file.read().strip()
    except OSError:
        return ""


def search_timings(*, listings: int, repeat: int) -> dict[str, Any]:
    """p50/p95 (ms) of the search page's count and first page, before and after issue 22, for
    "vélo", "velo", "vélo" with a price ceiling and a price range alone, at `listings` listings."""
    out: dict[str, Any] = {"vendor": connection.vendor, **load_listings(listings), "loadavg_before": _load_average()}
    postgresql = connection.vendor == "postgresql"
    cases: dict[str, Any] = {}
    for name, filters in CASES.items():
        after_page = _after(filters)
        cases[name] = {
            "shown_count": after_page.count,
            "more_than": after_page.count_is_lower_bound,
            "after": _timed(lambda filters=filters: _after(filters), repeat),  # type: ignore[misc]
        }
    if postgresql:
        with connection.cursor() as cursor:
            cursor.execute(OLD_INDEX)
            cursor.execute("ANALYZE exchange_listing")
        try:
            for name, filters in CASES.items():
                paginator = Paginator(_before(filters), PAGE_SIZE)
                cases[name]["before_count"] = paginator.count
                cases[name]["before"] = _timed(lambda filters=filters: _before_page(filters), repeat)  # type: ignore[misc]
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX IF EXISTS listing_fulltext")
    out["cases"] = cases
    out["loadavg_after"] = _load_average()
    return out
