"""Bocage's own `manage.py check --deploy` checks: settings that work on one machine in DEBUG and
fail silently in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

# Each process (or host) keeps its own counters with these: with 3 gunicorn workers a limit of
# 5 a minute lets about 15 through, and a lockout in one process is unknown to the next.
PER_PROCESS_BACKENDS = {
    "django.core.cache.backends.locmem.LocMemCache": "its own memory in each process",
    "django.core.cache.backends.dummy.DummyCache": "nothing at all",
    "django.core.cache.backends.filebased.FileBasedCache": "files on each host",
}


def _counter_caches() -> set[str]:
    """The cache aliases that hold throttle and lockout counters."""
    aliases = {"default"}  # DRF's throttles use the default cache
    if "cache" in str(getattr(settings, "AXES_HANDLER", "")).lower():
        aliases.add(getattr(settings, "AXES_CACHE", "default"))
    return aliases


@register("caches", deploy=True)
def check_shared_counter_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    errors: list[CheckMessage] = []
    for alias in sorted(_counter_caches()):
        backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
        if backend in PER_PROCESS_BACKENDS:
            errors.append(
                Error(
                    f"The cache {alias!r} ({backend.rsplit('.', 1)[-1]}) keeps API throttle and login "
                    f"lockout counters in {PER_PROCESS_BACKENDS[backend]}: limits are multiplied by the "
                    "number of web processes.",
                    hint="Set CACHE_URL to a cache every web process shares: redis://… (or db:// for "
                    "Django's database cache, after `manage.py createcachetable`). See docs/PRODUCTION.md.",
                    id="bocage.E001",
                )
            )
    return errors
