#!/usr/bin/env bash
# Back up Bocage: the database (one pg_dump custom-format archive per run) and the uploaded and
# exported files (MEDIA_ROOT: photos, FEC and statement exports, as one tar.gz beside it, same
# timestamp), each checked readable before it is kept; archives older than the retention removed.
#
#   DATABASE_URL=postgres://bocage@db.internal/bocage MEDIA_ROOT=/var/lib/bocage/media \
#   BACKUP_DIR=/var/backups/bocage BACKUP_RETENTION_DAYS=14 scripts/backup.sh
#
# MEDIA_ROOT defaults to /var/lib/bocage/media (the systemd and container layout); it must exist.
# MEDIA_ROOT= (empty) backs up the database alone, for a machine that does not hold the files.
# DATABASE_URL may come from a file (DATABASE_URL_FILE), like the application's secrets.
# Prints the database archive's path; the media archive is the same path ending .media.tar.gz. Run it from a systemd timer or cron on a machine that can reach
# PostgreSQL, with pg_dump of the server's major version (or newer); copy the archives
# off-site, and restore one regularly with `python manage.py restore_drill --dump FILE`.
set -euo pipefail

if [[ -n "${DATABASE_URL_FILE:-}" ]]; then
  DATABASE_URL="$(<"$DATABASE_URL_FILE")"
fi
: "${DATABASE_URL:?DATABASE_URL (or DATABASE_URL_FILE) must name the database to back up}"
backup_dir="${BACKUP_DIR:-/var/backups/bocage}"
retention_days="${BACKUP_RETENTION_DAYS:-14}"
media_root="${MEDIA_ROOT-/var/lib/bocage/media}"
if [[ -n "$media_root" && ! -d "$media_root" ]]; then
  echo "backup.sh: MEDIA_ROOT $media_root is not a directory (MEDIA_ROOT= to back up the database alone)" >&2
  exit 2
fi
if ! [[ "$retention_days" =~ ^[0-9]+$ ]]; then
  echo "backup.sh: BACKUP_RETENTION_DAYS must be a whole number of days" >&2
  exit 2
fi

umask 077  # the archive holds every member's data
mkdir -p "$backup_dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
archive="$backup_dir/bocage-$stamp.dump"
partial="$archive.partial"
media_archive="$backup_dir/bocage-$stamp.media.tar.gz"
media_partial="$media_archive.partial"
trap 'rm -f "$partial" "$media_partial"' EXIT

# libpq reads Django's postgres:// URL as it is. Keep the password out of it (~/.pgpass or
# PGPASSWORD): `ps` shows pg_dump's arguments.
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$partial" --dbname="$DATABASE_URL"
# A dump that pg_restore cannot list is not a backup: fail now, not on the day it is needed.
pg_restore --list "$partial" >/dev/null
if [[ -n "$media_root" ]]; then
  # After the database: every file a restored row names was written before its row committed.
  # Paths inside are relative to MEDIA_ROOT, so it restores into any directory.
  tar --create --gzip --file="$media_partial" --directory="$media_root" .
  tar --list --gzip --file="$media_partial" >/dev/null
  mv "$media_partial" "$media_archive"
fi
mv "$partial" "$archive"
trap - EXIT

# Retention: only our own archives, only in this directory, only the ones older than the limit.
find "$backup_dir" -maxdepth 1 -type f \( -name 'bocage-*.dump' -o -name 'bocage-*.media.tar.gz' \) \
  -mtime "+$retention_days" -print -delete \
  | sed 's/^/backup.sh: removed old archive /' >&2
echo "$archive"
