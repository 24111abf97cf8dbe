"""Log records as one JSON object per line, and the LOGGING dict the settings use.

One line per record, keys a log shipper (journald → Loki, Vector, Filebeat) can index without a
parser: `time` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id` / `task_id` when
there is one, the record's `extra` fields, and `exc_info` as text. Values that JSON cannot hold
become their `str()`, so a log line never fails to be written.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# The attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """Formats a record as a single line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in payload and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """The developer's format: readable, with the request or task id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = getattr(record, "request_id", None) or getattr(record, "task_id", None)
        return f"{line} [{context}]" if context else line


def logging_config(*, log_format: str, level: str, access_level: str) -> dict[str, Any]:
    """The LOGGING setting: `log_format` is "json" or "plain"; `access_level` gates the request lines."""
    if log_format not in {"json", "plain"}:
        raise ValueError(f"LOG_FORMAT must be 'json' or 'plain', not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "config.logging.JsonFormatter"},
            "plain": {"()": "config.logging.PlainFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # One line per request (config.request_id.RequestIdMiddleware).
            "bocage.request": {"level": access_level},
            # Celery's "Task … succeeded/failed" lines carry the task id through the filter.
            "celery.app.trace": {"level": "INFO"},
        },
    }
