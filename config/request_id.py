"""A request id on every request, its response and every log line written while it runs.

The proxy (nginx `$request_id`) usually sends one in `X-Request-ID`, so the proxy's access log,
ours and any later report share it; a missing or odd-looking one (too long, characters a log
reader or a header could choke on) is replaced by a fresh one rather than trusted. The id
lives in a context variable, so threads and async tasks each see their own, and a
`logging.Filter` copies it onto every record.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Letters, digits and a few separators, 8 to 128 of them: covers UUIDs, nginx's 32 hex digits,
# AWS/Heroku style ids; refuses spaces, quotes, control characters and megabyte headers.
_SANE = re.compile(r"^[A-Za-z0-9._:+=/-]{8,128}$")
# Probes call these every few seconds: their lines go to DEBUG, not to the access log.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

request_id_var: ContextVar[str | None] = ContextVar("bocage_request_id", default=None)
logger = logging.getLogger("bocage.request")


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """The proxy's id if it looks like one, else None."""
    if value and _SANE.match(value):
        return value
    return None


class RequestIdFilter(logging.Filter):
    """Adds `request_id` and, inside a Celery task, `task_id` and `task_name` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if getattr(record, "task_id", None) is None:
            task_id, task_name = _current_task()
            if task_id is not None:
                record.task_id = task_id
                record.task_name = task_name
        return True


def _current_task() -> tuple[str | None, str | None]:
    # Imported here: logging is configured before Celery is, and the web never needs it.
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return None, None
    task = current_task
    if not task or task.request is None or task.request.id is None:
        return None, None
    return str(task.request.id), str(task.name)


class RequestIdMiddleware:
    """Sets the request id, answers it in `X-Request-ID`, and logs one line per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = sane_request_id(request.headers.get(HEADER)) or new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            self._log(request, response.status_code, started)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _log(request: HttpRequest, status: int, started: float) -> None:
        level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
        if not logger.isEnabledFor(level):
            # Before touching request.user: that loads the session, a query a probe must not cost.
            return
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        match = getattr(request, "resolver_match", None)
        logger.log(
            level,
            "%s %s %s %.2fms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": user_id,
                "view": match.view_name if match is not None else None,
                "remote_addr": request.META.get("REMOTE_ADDR"),
            },
        )
