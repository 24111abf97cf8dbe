"""config.wsgi under cProfile, for `ledger_bench --profile-http`: where a web worker's CPU goes.

Each request (after the first BOCAGE_BENCH_PROFILE_SKIP of the worker) runs under its thread's
profiler, timing the thread's CPU (gthread workers answer in a pool of threads; a
profiler sees only the thread it was enabled in); at exit each worker writes its statistics,
added over its threads, to BOCAGE_BENCH_PROFILE_DIR/worker-<pid>.prof (read them with pstats).
"""

from __future__ import annotations

import atexit
import cProfile
import os
import pstats
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.wsgi import get_wsgi_application

# What config.wsgi builds (the same settings module), without importing the wiring from the bench.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

_local = threading.local()
_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
# The first requests of a worker import and warm what it needs: not the steady state.
_SKIP = int(os.environ.get("BOCAGE_BENCH_PROFILE_SKIP", "100"))
_seen = [0]


def _profile() -> cProfile.Profile:
    profile = getattr(_local, "profile", None)
    if profile is None:
        # CPU time of the thread, not wall time: waiting for the database is not the worker's work.
        profile = _local.profile = cProfile.Profile(time.thread_time)
        with _lock:
            _profiles.append(profile)
    return profile


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    with _lock:
        _seen[0] += 1
        warming = _seen[0] <= _SKIP
    if warming:
        return list(django_application(environ, start_response))
    profile = _profile()
    profile.enable()
    try:
        return list(django_application(environ, start_response))
    finally:
        profile.disable()


def _dump() -> None:
    directory = Path(os.environ.get("BOCAGE_BENCH_PROFILE_DIR", "var/bench/profile"))
    with _lock:
        profiles = [profile for profile in _profiles if profile.getstats()]
    if not profiles:
        return
    directory.mkdir(parents=True, exist_ok=True)
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    stats.dump_stats(str(directory / f"worker-{os.getpid()}.prof"))


atexit.register(_dump)
