"""The marketplace search without accents, and counted through an index (issue 22).

PostgreSQL only (guarded by vendor; SQLite's search folds accents in its query instead, see
exchange.selectors.listings):
- the `unaccent` extension and a text search configuration `bocage_french`: French's, with the
  `unaccent` dictionary before the French stemmer, so "velo" finds "vélo" and "eleve" "élève"
  (`unaccent()` itself is not IMMUTABLE and cannot be indexed; a configuration using its
  dictionary can);
- `search_document`, a tsvector column generated from the title and description with that
  configuration, stored (computed here for existing rows, then on every write), GIN-indexed: the
  page and its count read the same index and never recompute `to_tsvector` row by row. It is not
  a model field, so Django never selects it (the page does not carry every listing's tsvector).
  The index is built without GIN's pending list (`fastupdate = off`): listings are written a few
  times a day and searched all the time, and new entries waiting in that list (until a vacuum)
  are read one by one by every search;
- the former expression index `listing_fulltext` (configuration `french`) dropped;
- statistics kept fresh: autovacuum analyzes the table after 2 % of its rows changed (plus 200)
  instead of 10 % (plus 50), so the planner's idea of how many listings match a word follows a
  growing marketplace; bulk loads run ANALYZE themselves (bench.search does).
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

DOCUMENT = "to_tsvector('bocage_french'::regconfig, title || ' ' || description)"
FORWARD = [
    "ALTER TEXT SEARCH CONFIGURATION bocage_french ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem",
    f"ALTER TABLE exchange_listing ADD COLUMN IF NOT EXISTS search_document tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED",
    "CREATE INDEX IF NOT EXISTS listing_search_document ON exchange_listing USING gin (search_document) "
    "WITH (fastupdate = off)",
    "DROP INDEX IF EXISTS listing_fulltext",
    "ALTER TABLE exchange_listing SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 200)",
    "ANALYZE exchange_listing",
]
BACKWARD = [
    "ALTER TABLE exchange_listing RESET (autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)",
    "CREATE INDEX IF NOT EXISTS listing_fulltext ON exchange_listing USING gin "
    "(to_tsvector('french'::regconfig, COALESCE(title, '') || ' ' || COALESCE(description, '')))",
    "ALTER TABLE exchange_listing DROP COLUMN IF EXISTS search_document",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS bocage_french",
]


def create_search_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'bocage_french'")
        if cursor.fetchone() is None:
            schema_editor.execute("CREATE TEXT SEARCH CONFIGURATION bocage_french (COPY = french)", params=None)
    for statement in FORWARD:
        schema_editor.execute(statement, params=None)


def drop_search_document(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_listing_search_index")]

    operations = [
        UnaccentExtension(),
        migrations.RunPython(create_search_document, drop_search_document),
    ]
