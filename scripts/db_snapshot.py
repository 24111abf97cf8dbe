"""Print a snapshot of the project's tables: one line per table, its row count and a digest of its rows.

Used by scripts/prove-layout-migration.sh to show that moving models between apps moved no data:
the snapshot taken before the new migrations and the one taken after must agree on every table
that existed before. Run from a project checkout (its settings decide the database):

    PYTHONPATH=. DJANGO_SETTINGS_MODULE=config.settings python scripts/db_snapshot.py [--columns-of before.tsv]

Each line ends with the table's columns. With `--columns-of`, a table the earlier snapshot lists is
digested over that snapshot's columns only: a column a later migration added (a new field) is new
data, not a change of the rows that were there. A column a data migration changes on purpose
(CHANGED_ON_PURPOSE) is left out of both.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import django

# Tables that describe the code rather than the community's data: they change when models move.
CODE_TABLES = {"django_migrations", "django_content_type", "auth_permission", "django_session"}
# Columns a later data migration changes on purpose, left out of both snapshots (each with the
# migration that changes it and why).
CHANGED_ON_PURPOSE = {
    # crowdfunding 0004: every existing pledge becomes anonymous, no backer having consented to be named.
    "crowdfunding_pledge": {"anonymous"},
}


def _columns_of(path: str) -> dict[str, list[str]]:
    columns = {}
    for line in Path(path).read_text().splitlines():
        fields = line.split("\t")
        if len(fields) == 4 and fields[3]:
            columns[fields[0]] = fields[3].split(",")
    return columns


def main() -> None:
    django.setup()
    from django.db import connection

    earlier = _columns_of(sys.argv[2]) if len(sys.argv) == 3 and sys.argv[1] == "--columns-of" else {}
    with connection.cursor() as cursor:
        for table in sorted(set(connection.introspection.table_names(cursor)) - CODE_TABLES):
            quoted = connection.ops.quote_name(table)
            present = [column.name for column in connection.introspection.get_table_description(cursor, table)]
            names = [name for name in earlier[table] if name in present] if table in earlier else present
            names = [name for name in names if name not in CHANGED_ON_PURPOSE.get(table, set())]
            selected = ", ".join(connection.ops.quote_name(name) for name in names)
            cursor.execute(f"SELECT {selected} FROM {quoted} ORDER BY 1")  # noqa: S608 -- names from introspection
            digest = hashlib.sha256()
            count = 0
            for row in cursor.fetchall():
                digest.update(repr(tuple(str(value) for value in row)).encode())
                count += 1
            print(f"{table}\t{count}\t{digest.hexdigest()[:16]}\t{','.join(names)}")

    # Content types must follow a moved model (permissions and admin log entries point at them):
    # one that names no model any more is reported as a table of its own, which the proof compares.
    from django.contrib.contenttypes.models import ContentType

    stale = sorted(f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all() if ct.model_class() is None)
    print(f"stale content types\t{len(stale)}\t{','.join(stale) or '-'}")


if __name__ == "__main__":
    main()
