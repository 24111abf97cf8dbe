#!/usr/bin/env bash
# The embedded platform: a Celery worker with its beat on the embedded broker, and the web server.
# The banner (URL and demo logins) comes last, once the web server answers. Ctrl-C (or TERM) stops
# all of it; if the worker or the web server stops, so does the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# Exported: the settings build the links of e-mails from the port actually served.
export PORT="${PORT:-8000}"
VAR_DIR="${BOCAGE_VAR_DIR:-var}"
mkdir -p "$VAR_DIR"
URL="http://127.0.0.1:${PORT}/"

# Each child in a process group of its own, so that stopping one stops its children too (the
# worker's pool and beat, runserver's autoreloaded server): no orphan keeps the port or the queue.
set -m
# All of the worker's output (its logging goes to the console: CELERY_WORKER_HIJACK_ROOT_LOGGER).
"$BIN/celery" -A config worker --beat --loglevel=INFO --concurrency=2 >>"$VAR_DIR/celery.log" 2>&1 &
WORKER=$!
# Unbuffered: its start-up lines reach a pipe (make's output, a log) before the banner does.
PYTHONUNBUFFERED=1 "$BIN/python" manage.py runserver "127.0.0.1:${PORT}" &
WEB=$!
set +m

stop() {
  trap - EXIT INT TERM
  # runserver's reloader does not pass TERM on to the server it runs: the group gets it. Celery's
  # own warm shutdown stops its pool and beat; whatever it left behind is killed after it.
  kill -TERM -- "-$WEB" 2>/dev/null || true
  kill -TERM "$WORKER" 2>/dev/null || true
  wait "$WEB" "$WORKER" 2>/dev/null || true
  kill -KILL -- "-$WORKER" "-$WEB" 2>/dev/null || true
}
trap 'stop' EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

# The server listens once Django has loaded and checked the project. A bare connection, not a
# request: runserver logs requests, and the banner must come last.
answers() { (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null; }
until answers; do
  kill -0 "$WEB" 2>/dev/null || { echo "The web server stopped; see above." >&2; exit 1; }
  sleep 0.5
done

echo
echo "Bocage runs on ${URL}  (API docs: /api/docs/, admin: /admin/)"
echo "Celery worker and beat log to ${VAR_DIR}/celery.log"
echo "Demo logins (password bocage-demo): residents camille, louis, manon…, businesses boulangerie, cowork,"
echo "jardins…, association laruche, comptoir clerks comptoir1 and comptoir2, auditor auditrice;"
echo "administrator admin (password bocage-admin). The full list is printed above by seed_demo."
echo

# Whichever stops first (the worker dying, say) stops the other: a half-running platform would
# serve pages while nothing time-based happens.
status=0
wait -n "$WEB" "$WORKER" || status=$?
if ! kill -0 "$WORKER" 2>/dev/null; then
  echo "The Celery worker stopped; see ${VAR_DIR}/celery.log." >&2
fi
exit "$status"
