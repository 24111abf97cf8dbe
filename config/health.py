"""`/healthz` (the process answers) and `/readyz` (it can do its work: database, broker, schema).

A load balancer or systemd watchdog restarts a process whose `/healthz` fails, and stops sending
traffic to one whose `/readyz` fails; so `/healthz` touches nothing outside the process (a
database outage must not restart every web process at once), and `/readyz` checks, each with a
short timeout:

- every configured database answers `SELECT 1`;
- the Celery broker accepts a connection (one attempt);
- no migration of this code is left unapplied (cached once true: migrations are not unapplied
  under a running process, and reading the migration graph on every probe would cost);
- a Celery worker has stamped its heartbeat within BOCAGE_WORKER_STALE_SECONDS (the broker
  accepting connections says nothing of whether anyone consumes): otherwise `worker` reads
  "stopped since <UTC time of the last heartbeat>" or "never seen".

Both answer JSON `{"status": "ok"|"error", "checks": {name: "ok" | "error: …"}}`, 200 or 503.
No authentication, session, CSRF or throttling applies (plain Django views, GET only), and a 503
here is the expected answer during an outage, not a server error: it is not logged as one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from core.heartbeat import background_work_status

logger = logging.getLogger(__name__)

_migrations_applied = False


def check_databases() -> dict[str, str]:
    results: dict[str, str] = {}
    for alias in connections:
        name = "database" if alias == DEFAULT_DB_ALIAS else f"database:{alias}"
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as error:
            # The persistent connection (CONN_MAX_AGE) may be the broken thing: drop it so the
            # next probe, or request, connects afresh once the database is back.
            if not connections[alias].in_atomic_block:
                connections[alias].close_if_unusable_or_obsolete()
            results[name] = _failure(error)
        else:
            results[name] = "ok"
    return results


def check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    timeout = float(getattr(settings, "BOCAGE_READYZ_BROKER_TIMEOUT", 2.0))
    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {})
    # One attempt: a probe that waits for the broker's own retry loop times out at the balancer.
    options["max_retries"] = 1
    try:
        with Connection(url, connect_timeout=timeout, transport_options=options) as broker:
            # Redis and AMQP really connect here; the embedded SQL broker connects lazily, so for
            # it this proves little (it is the embedded run's, never production's).
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as error:
        return _failure(error)
    return "ok"


def check_migrations() -> str:
    global _migrations_applied
    if _migrations_applied:
        return "ok"
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:
        return _failure(error)
    if plan:
        return f"error: {len(plan)} migration(s) not applied"
    _migrations_applied = True
    return "ok"


def check_worker() -> str:
    try:
        work = background_work_status()
    except Exception as error:
        return _failure(error)
    if not work.stopped:
        return "ok"
    if work.last_seen is None:
        return "never seen"
    return f"stopped since {work.last_seen.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def _failure(error: BaseException) -> str:
    # The class and the first line are enough for an operator; a DSN never appears in them.
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"error: {type(error).__name__}: {first_line}"[:300] if first_line else f"error: {type(error).__name__}"


def _answer(checks: dict[str, str]) -> JsonResponse:
    ok = all(value == "ok" for value in checks.values())
    response = JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
    if not ok:
        logger.warning("readiness check failed: %s", {k: v for k, v in checks.items() if v != "ok"})
        # Django logs every 5xx as an error of django.request; an outage seen by a probe is not
        # one, and the warning above already says which dependency failed.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "checks": {"process": "ok"}})


CHECKS: dict[str, Callable[[], str]] = {"broker": check_broker, "migrations": check_migrations, "worker": check_worker}
# These read tables: without the database they can only say so.
NEEDS_DATABASE = {"migrations", "worker"}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = check_databases()
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and checks.get("database") != "ok":
            checks[name] = "error: database unreachable"
            continue
        checks[name] = check()
    return _answer(checks)
