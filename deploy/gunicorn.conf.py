"""gunicorn settings for Bocage: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Everything an operator tunes comes from the environment (systemd `EnvironmentFile=`, compose
`environment:`), so this file is the same on every machine:

    GUNICORN_BIND        127.0.0.1:8000   address:port, or unix:/run/bocage/web.sock
    WEB_CONCURRENCY      2 × cores + 1    worker processes
    GUNICORN_THREADS     1                threads per worker (gthread when > 1)
    GUNICORN_TIMEOUT     30               seconds a request may take before its worker is replaced
    GUNICORN_ACCESS_LOG  -                access log target ("-": stderr → journald; "": off)
    GUNICORN_MAX_REQUESTS 2000            recycle a worker after this many requests (jittered)
    FORWARDED_ALLOW_IPS  127.0.0.1        proxies whose X-Forwarded-* headers are believed
    PROMETHEUS_MULTIPROC_DIR              shared metrics directory (see config/metrics.py)

The access log is one JSON object per line (the same shape as the application's own lines),
with the request id the proxy or the application set.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

wsgi_app = "config.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
# A posting holds its row locks until commit; a worker stuck longer than this is killed and its
# transaction rolled back by PostgreSQL: nothing half-posted survives it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 30)
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE") or 5)
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 2000)
max_requests_jitter = max_requests // 10
# Bodies above DATA_UPLOAD_MAX_MEMORY_SIZE are refused by Django; these bound the headers.
limit_request_line = 8190
limit_request_fields = 100
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
# Workers are forked after the application is imported: faster start, shared memory pages.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in {"1", "true", "yes", "on"}
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
capture_output = True
proc_name = os.environ.get("GUNICORN_PROC_NAME", "bocage-web")
# /dev/shm: the heartbeat file of each worker must not wait on a slow disk.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108


class JsonAccessLogger(Logger):
    """gunicorn's logger with each access line written as JSON (values escaped, never broken)."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.cfg.accesslog:
            return
        status = str(resp.status).split(None, 1)[0] if resp.status else ""
        headers = {name.lower(): value for name, value in (resp.headers or [])}
        line = {
            "time": datetime.now(tz=UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "remote_addr": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(status) if status.isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "request_id": headers.get("x-request-id"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:
            self.exception("could not write the access log line")


logger_class = JsonAccessLogger


def on_starting(server: Any) -> None:
    """Empty the metrics directory: values of a previous run's dead workers must not be added."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        if path.is_dir():
            for child in path.iterdir():
                if child.is_file():
                    child.unlink()
                elif child.is_dir():
                    shutil.rmtree(child)
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A worker left: its live gauges must stop counting (counters and histograms are kept)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
