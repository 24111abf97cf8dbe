"""`make test` runs the suite in several processes (pytest-xdist's workers `gw0`, `gw1`…).

Each worker is a machine of its own as far as the tests can see: its own test database (pytest-django
names it), and here its own files (the SQLite test database, the embedded broker, the media, the
beat's schedule: a directory under the var one, unless `BOCAGE_VAR_DIR` names one) and its own Redis
database (cache and broker), so that one worker's `cache.clear()` or queue never reaches the other's.
The processes a test starts (a Celery worker, the embedded run) inherit `PYTEST_XDIST_WORKER` and
land on the same ones.

Outside the test suite `PYTEST_XDIST_WORKER` is unset and nothing here changes anything.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REDIS_DATABASES = 16  # Redis's default `databases`


def suite_worker() -> str:
    """This process's pytest-xdist worker ("gw0", "gw1"…), or "" outside one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return worker if re.fullmatch(r"gw\d+", worker) else ""


def worker_var_dir(var_dir: str | None, default: Path, worker: str) -> Path:
    """The var directory: `BOCAGE_VAR_DIR` when set (a test or an operator chose it), else the
    default, or a worker's own directory under it."""
    if var_dir:
        return Path(var_dir)
    return default / "workers" / worker if worker else default


def worker_redis_url(url: str, worker: str) -> str:
    """The Redis URL's database moved past the suite's own, one per worker: /0 → /1 for gw0, /2
    for gw1. Any other URL (RabbitMQ, SQLite, memory) is returned as it is."""
    if not worker or not url.startswith(("redis://", "rediss://")):
        return url
    match = re.fullmatch(r"(rediss?://[^/?#]*)(?:/(\d*))?([?#].*)?", url)
    if match is None:
        return url
    base, database, rest = match.group(1), int(match.group(2) or 0), match.group(3) or ""
    chosen = database + 1 + int(worker[2:])
    if chosen >= REDIS_DATABASES:
        raise ValueError(f"{url}: worker {worker} would need Redis database {chosen} (has {REDIS_DATABASES})")
    return f"{base}/{chosen}{rest}"
