"""A GIN expression index for the marketplace's full-text search, on PostgreSQL only.

The expression is the one Django writes for `SearchVector("title", "description",
config="french")` (exchange.selectors.listings.search_vector), so the planner uses it.
SQLite has no full-text index: the search falls back to icontains there.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS listing_fulltext ON exchange_listing USING gin "
    "(to_tsvector('french'::regconfig, COALESCE(title, '') || ' ' || COALESCE(description, '')))"
)
DROP = "DROP INDEX IF EXISTS listing_fulltext"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_categories")]

    operations = [migrations.RunPython(create_index, drop_index)]
