"""Prometheus metrics: HTTP latency, postings, holds, Celery task outcomes, a few ledger gauges.

Several gunicorn workers (and Celery's prefork children) are separate processes, each with its
own counters. With `PROMETHEUS_MULTIPROC_DIR` set *before the process starts*, prometheus_client
keeps every process's values in files in that directory and `/metrics` adds them up, so one
scrape of any worker answers for the whole machine. Without it (the embedded run, tests) the
counters are the process's own.

Postings and holds are counted from `post_save` signals on `ledger.Transaction` and
`ledger.Hold`, once the database transaction has committed (`transaction.on_commit`): a
rolled-back posting is never counted, and `ledger/services.py` needs no metrics code (its SQL
fast path sends `post_save` itself). A posting's units are read in batches, never one query
per payment (`_PendingPostings`). Paths that write with `bulk_create` (no signal) call
`core.metrics.record_postings()` themselves (the ledger's counters live in core/metrics.py, on
the ground floor; this module exposes them); the gauge
`bocage_ledger_last_transaction_id` counts every posting whatever the path
(`rate(bocage_ledger_last_transaction_id[5m])` is postings per second).

`/metrics` answers the loopback (when no proxy forwarded the request), the addresses and
networks in `BOCAGE_METRICS_ALLOWED_IPS`, and any caller with `Authorization: Bearer
<BOCAGE_METRICS_TOKEN>`; everyone else gets 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from core.api_errors import error_body
from core.metrics import record_hold, record_postings

logger = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "bocage_http_requests", "HTTP requests answered, by view, method and status.", ["view", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "bocage_http_request_duration_seconds",
    "Time from the first middleware to the response, by view, method and status.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CELERY_TASKS = Counter(
    "bocage_celery_tasks", "Celery task outcomes by task name: success, failure, retry.", ["task", "outcome"]
)

# --- Recording -----------------------------------------------------------------------------


class _PendingPostings:
    """Committed transactions whose units are not read yet, per process.

    The posting path is a couple of round trips (ledger.services); reading each posting's units
    back would add one to every payment. Instead the ids wait here and one query reads the units
    of up to FLUSH_SIZE postings at once: when that many wait, when the oldest has waited
    FLUSH_SECONDS (checked after each request and task), and before every scrape.
    """

    FLUSH_SIZE = 200
    FLUSH_SECONDS = 2.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, list[tuple[int, str]]] = {}
        self._oldest: float | None = None

    def add(self, transaction_id: int, kind: str, using: str) -> None:
        with self._lock:
            self._items.setdefault(using, []).append((transaction_id, kind))
            if self._oldest is None:
                self._oldest = time.monotonic()
            due = sum(len(v) for v in self._items.values()) >= self.FLUSH_SIZE
        if due:
            self.flush()

    def flush_if_old(self, **kwargs: Any) -> None:
        oldest = self._oldest
        if oldest is not None and time.monotonic() - oldest >= self.FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        from ledger.selectors import posting_units

        with self._lock:
            items, self._items, self._oldest = self._items, {}, None
        for using, postings in items.items():
            kinds = dict(postings)
            try:
                pairs = posting_units(list(kinds), using=using)
            except Exception:  # A metric must never break the request or task that posted.
                logger.warning("metrics: could not read the units of %d postings", len(kinds), exc_info=True)
                continue
            counts: dict[tuple[str, str], int] = {}
            for transaction_id, unit in pairs:
                key = (unit, kinds[transaction_id])
                counts[key] = counts.get(key, 0) + 1
            for (unit, kind), count in counts.items():
                record_postings(unit=unit, kind=kind, count=count)


pending_postings = _PendingPostings()


def flush_pending_postings() -> None:
    """Count the committed postings still waiting (tests, and before a scrape)."""
    pending_postings.flush()


def transaction_saved(sender: type, instance: Any, created: bool, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_save of ledger.Transaction: count it by unit once it has committed."""
    if created and not kwargs.get("raw"):
        transaction.on_commit(
            partial(pending_postings.add, instance.pk, instance.kind_id, using), using=using, robust=True
        )


def hold_saved(sender: type, instance: Any, created: bool, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_save of ledger.Hold: created, or resolved (the services save `status` with update_fields)."""
    if kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if created:
        event = "created"
    elif update_fields is not None and "status" in update_fields and instance.status != "pending":
        event = str(instance.status)
    else:
        return
    transaction.on_commit(partial(record_hold, unit=instance.unit, event=event), using=using, robust=True)


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or sender or "unknown")


def task_succeeded(sender: Any = None, **kwargs: Any) -> None:
    CELERY_TASKS.labels(task=_task_name(sender), outcome="success").inc()


def task_failed(sender: Any = None, **kwargs: Any) -> None:
    CELERY_TASKS.labels(task=_task_name(sender), outcome="failure").inc()


def task_retried(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
    # Celery sends task_retry with the task as sender; fall back to the request's name.
    name = getattr(sender, "name", None) or getattr(request, "task", None)
    CELERY_TASKS.labels(task=_task_name(name), outcome="retry").inc()


def worker_started(**kwargs: Any) -> None:
    """Celery worker's main process: serve its children's metrics when BOCAGE_WORKER_METRICS_PORT is set."""
    port = int(os.environ.get("BOCAGE_WORKER_METRICS_PORT") or 0)
    if not port:
        return
    from prometheus_client import start_http_server

    address = os.environ.get("BOCAGE_WORKER_METRICS_ADDR", "127.0.0.1")
    start_http_server(port, addr=address, registry=scrape_registry(include_ledger=False))


def connect_signals() -> None:
    """Called once from config.apps.ConfigAppConfig.ready()."""
    from celery import signals as celery_signals
    from django.core.signals import request_finished
    from django.db.models.signals import post_save

    from ledger.models import Hold, Transaction

    post_save.connect(transaction_saved, sender=Transaction, dispatch_uid="bocage-metrics-transaction")
    post_save.connect(hold_saved, sender=Hold, dispatch_uid="bocage-metrics-hold")
    request_finished.connect(pending_postings.flush_if_old, dispatch_uid="bocage-metrics-flush-request", weak=False)
    celery_signals.task_postrun.connect(
        pending_postings.flush_if_old, dispatch_uid="bocage-metrics-flush-task", weak=False
    )
    celery_signals.task_success.connect(task_succeeded, dispatch_uid="bocage-metrics-task-success", weak=False)
    celery_signals.task_failure.connect(task_failed, dispatch_uid="bocage-metrics-task-failure", weak=False)
    celery_signals.task_retry.connect(task_retried, dispatch_uid="bocage-metrics-task-retry", weak=False)
    celery_signals.worker_init.connect(worker_started, dispatch_uid="bocage-metrics-worker", weak=False)


# --- HTTP ----------------------------------------------------------------------------------


class MetricsMiddleware:
    """Times every request and counts it by view name (bounded label values, unlike paths)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match is not None else "unresolved"
        method = request.method if request.method in _METHODS else "other"
        labels = {"view": view, "method": method, "status": str(response.status_code)}
        HTTP_REQUESTS.labels(**labels).inc()
        HTTP_LATENCY.labels(**labels).observe(time.perf_counter() - started)
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# --- Ledger gauges, read at scrape time ----------------------------------------------------


class LedgerCollector(Collector):
    """A few cheap figures read when Prometheus scrapes: system balances, pending holds, last id."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from ledger import selectors
        from ledger.units import get_unit

        try:
            system = selectors.system_balances_by_unit()
            pending = selectors.pending_holds_by_unit()
            last = selectors.last_transaction_id()
        except Exception:  # The database is down: /readyz says so; /metrics still answers.
            logger.warning("metrics: ledger gauges unavailable", exc_info=True)
            return

        def major(unit: str, minor: int | None) -> float:
            try:
                return (minor or 0) / 10 ** get_unit(unit).decimals
            except Exception:
                return float(minor or 0)

        balances = GaugeMetricFamily(
            "bocage_ledger_system_balance",
            "Balance of the system accounts (issuance, guarantee fund, fees…) in major units.",
            labels=["unit", "system_code"],
        )
        for row in system:
            balances.add_metric([row["unit"], row["system_code"] or ""], major(row["unit"], row["total"]))
        yield balances
        holds = GaugeMetricFamily("bocage_ledger_pending_holds", "Pending holds by unit.", labels=["unit"])
        held = GaugeMetricFamily(
            "bocage_ledger_pending_held", "Amount reserved by pending holds, in major units.", labels=["unit"]
        )
        for row in pending:
            holds.add_metric([row["unit"]], row["count"])
            held.add_metric([row["unit"]], major(row["unit"], row["total"]))
        yield holds
        yield held
        yield GaugeMetricFamily(
            "bocage_ledger_last_transaction_id",
            "Id of the latest ledger transaction; its rate is postings per second, whatever path posted them.",
            value=last,
        )


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def scrape_registry(*, include_ledger: bool) -> CollectorRegistry:
    """What a scrape shows: every process's values in multiprocess mode, else this process's."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistryProxy())
    if include_ledger:
        registry.register(LedgerCollector())
    return registry


class _DefaultRegistryProxy(Collector):
    """Re-exposes the process's default registry (counters above, process and GC figures)."""

    def collect(self) -> Iterable[Any]:
        return REGISTRY.collect()


# --- /metrics ------------------------------------------------------------------------------


@cache
def _allowed_networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def scrape_allowed(request: HttpRequest) -> bool:
    """Bearer token, or a direct (not proxied) call from the loopback or an allowed address."""
    token: str = getattr(settings, "BOCAGE_METRICS_TOKEN", "")
    authorization = request.headers.get("Authorization", "")
    if token and authorization.startswith("Bearer "):
        return hmac.compare_digest(authorization.removeprefix("Bearer ").strip().encode(), token.encode())
    # Through the proxy every caller looks like 127.0.0.1: an address proves nothing then.
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if address.is_loopback:
        return True
    networks = _allowed_networks(tuple(getattr(settings, "BOCAGE_METRICS_ALLOWED_IPS", ())))
    return any(address in network for network in networks if network.version == address.version)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not scrape_allowed(request):
        return JsonResponse(error_body("forbidden", _("Metrics are not available to this caller.")), status=403)
    include_ledger = bool(getattr(settings, "BOCAGE_METRICS_LEDGER_GAUGES", True))
    pending_postings.flush()
    return HttpResponse(
        generate_latest(scrape_registry(include_ledger=include_ledger)), content_type=CONTENT_TYPE_LATEST
    )
