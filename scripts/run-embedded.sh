#!/usr/bin/env bash
# The embedded platform: a Celery worker with its beat on the embedded broker, and the web server.
# Ctrl-C stops all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
mkdir -p var
"$BIN/celery" -A config worker --beat --loglevel=INFO --concurrency=2 --logfile=var/celery.log &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true' EXIT INT TERM
echo
echo "Bocage runs on http://127.0.0.1:${PORT}/  (API docs: /api/docs/, admin: /admin/)"
echo "Celery worker and beat log to var/celery.log"
echo "Demo logins (password bocage-demo): residents camille, louis, manon…, businesses boulangerie, cowork,"
echo "jardins…, association laruche, comptoir clerks comptoir1 and comptoir2, auditor auditrice;"
echo "administrator admin (password bocage-admin). The full list is printed above by seed_demo."
echo
"$BIN/python" manage.py runserver "127.0.0.1:${PORT}"
