"""The garbage collector in a web process: what lives as long as the process is out of its reach.

CPython's full collection walks every object the collector tracks. A web worker holds about
200,000 of them after a few pages (Django, our apps' modules, the URLconf, compiled templates,
the translation catalogues), and a full collection then takes 45–60 ms on this project's
reference machine, during which every thread of the worker waits: about one every 200 requests
of a worker, and the slowest pages of a load test were those that met one. `gc.freeze()` moves
the objects alive at that moment to a permanent generation that collections skip, which is
what Python's documentation advises for servers that fork their workers.

Done twice (`config.wsgi`):

- `freeze_loaded()` when the application is imported, with the URLconf loaded (and with it every
  view module): in gunicorn's master when the application is preloaded (`deploy/gunicorn.conf.py`),
  so the workers share those pages of memory instead of copying them when a collection would
  have touched them;
- `freeze_when_warm()` once more in each process after its first `WARM_REQUESTS` requests, when
  the templates it serves are compiled and the catalogues read (both happen on first use).

Objects made by requests afterwards are collected as before; nothing frozen is ever freed, which
is right for what lives as long as the process (gunicorn recycles workers every few thousand
requests: `max_requests`).
"""

from __future__ import annotations

import gc
import threading
from typing import Any

from django.core.signals import request_finished
from django.urls import get_resolver

WARM_REQUESTS = 100
_DISPATCH_UID = "config.collector.freeze_when_warm"

_lock = threading.Lock()
_warm = {"served": 0, "after": WARM_REQUESTS}


def freeze_loaded() -> int:
    """Load the URLconf (every view module with it), then freeze what is alive: the objects moved."""
    get_resolver().url_patterns  # noqa: B018 - importing the URLconf is the point
    before = gc.get_freeze_count()
    gc.freeze()
    return gc.get_freeze_count() - before


def _count_request(sender: Any, **kwargs: Any) -> None:
    with _lock:
        _warm["served"] += 1
        if _warm["served"] != _warm["after"]:
            return
        # Disconnected first: the next requests of this process pay nothing for this receiver.
        request_finished.disconnect(dispatch_uid=_DISPATCH_UID)
    gc.freeze()


def freeze_when_warm(after: int = WARM_REQUESTS) -> None:
    """Freeze once more after this process's first `after` requests."""
    with _lock:
        _warm.update(served=0, after=after)
    request_finished.connect(_count_request, dispatch_uid=_DISPATCH_UID)
