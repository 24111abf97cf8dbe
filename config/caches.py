"""CACHES from one URL: `locmem://` (default), `redis://…`/`rediss://…`, `db://[table]`, or `dummy://`.

Production needs one every web process shares (config/checks.py fails `check --deploy` otherwise):
Redis, or Django's database cache in PostgreSQL (`db://`, table `bocage_cache` by default, made
by `manage.py createcachetable`) for a deployment whose broker is RabbitMQ and has no Redis.
"""

from __future__ import annotations

from typing import Any


def cache_from_url(url: str) -> dict[str, Any]:
    scheme = url.split("://", 1)[0].lower()
    if scheme in {"redis", "rediss"}:
        # Throttle counters must be shared by every web process: one Redis, not one memory each.
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": "bocage"}
    if scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": url.split("://", 1)[1].strip("/") or "bocage_cache",
        }
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": url.split("://", 1)[1] or "bocage",
        }
    raise ValueError(f"CACHE_URL: unsupported scheme {scheme!r} (locmem, redis, rediss, db, dummy)")
