"""config.wsgi under cProfile, for `ledger_bench --profile-http`: where a web worker's CPU goes.

Each request runs under its thread's profiler (gthread workers answer in a pool of threads; a
profiler sees only the thread it was enabled in); at exit each worker writes its statistics,
added over its threads, to BOCAGE_BENCH_PROFILE_DIR/worker-<pid>.prof (read them with pstats).
"""

from __future__ import annotations

import atexit
import cProfile
import os
import pstats
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from config.wsgi import application as django_application

_local = threading.local()
_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _profile() -> cProfile.Profile:
    profile = getattr(_local, "profile", None)
    if profile is None:
        profile = _local.profile = cProfile.Profile()
        with _lock:
            _profiles.append(profile)
    return profile


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
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
