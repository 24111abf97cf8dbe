#!/usr/bin/env bash
# Prove that a database built by an earlier version migrates to this one without losing anything.
#
#   scripts/prove-layout-migration.sh [OLD_REF] [DATABASE_URL]
#
# OLD_REF (default: the last commit before the layout of docs/ARCHITECTURE.md, 52f8a96) is checked
# out in a temporary directory; there the database is migrated and the demo community loaded. Its
# tables are snapshotted (scripts/db_snapshot.py), then this checkout's migrations run on the same
# database, `verify_ledger` recomputes every seal and balance, and the snapshot is taken again:
# every table that existed before must hold exactly the same rows. The database given (default: a
# scratch SQLite file) is emptied first. Exit 0 only if everything agrees.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
old_ref="${1:-52f8a96}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
database_url="${2:-sqlite:///$work/proof.sqlite3}"
python="$here/.venv/bin/python"

if [[ "$database_url" == postgres://* ]]; then
  name="${database_url##*/}"
  server="${database_url%/*}"
  psql "$server/postgres" -q -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\""
fi

git -C "$here" archive "$old_ref" | tar -x -C "$work" --one-top-level=old
export DATABASE_URL="$database_url" DJANGO_SETTINGS_MODULE=config.settings
export CELERY_BROKER_URL="memory://" CELERY_TASK_ALWAYS_EAGER=false

echo "== at $old_ref: migrate, load the demo community, seal the ledger"
(cd "$work/old" && "$python" -m config.compile_translations >/dev/null \
  && "$python" manage.py migrate --noinput -v 0 && "$python" manage.py seed_demo >/dev/null \
  && "$python" manage.py seal_ledger --lag 0)
(cd "$work/old" && PYTHONPATH=. "$python" "$here/scripts/db_snapshot.py") >"$work/before.tsv"

echo "== here: migrate to this layout, verify the ledger"
(cd "$here" && "$python" manage.py migrate --noinput -v 0 && "$python" manage.py verify_ledger)
# Over the old columns only: a column added since (a new field) is new data, not a changed row.
(cd "$here" && PYTHONPATH=. "$python" scripts/db_snapshot.py --columns-of "$work/before.tsv") >"$work/after.tsv"

echo "== every table of $old_ref, row for row"
missing=0
while IFS=$'\t' read -r table count digest _columns; do
  now="$(awk -F'\t' -v t="$table" '$1 == t {print $2 "\t" $3}' "$work/after.tsv")"
  if [[ "$now" != "$count"$'\t'"$digest" ]]; then
    echo "CHANGED  $table: before $count rows $digest, after ${now:-absent}"
    missing=1
  fi
done <"$work/before.tsv"
tables="$(wc -l <"$work/before.tsv")"
echo "new tables: $(cut -f1 "$work/after.tsv" | grep -vxFf <(cut -f1 "$work/before.tsv") | tr '\n' ' ')"
if [[ $missing -ne 0 ]]; then
  echo "FAILED: some tables of $old_ref changed" >&2
  exit 1
fi
echo "OK: $tables tables of $old_ref identical after the migration; verify_ledger passed"
