"""`manage.py check --deploy` is clean with the production settings; the embedded defaults still run."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.caches import cache_from_url

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_UNSET = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The e2e tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never would.
    environ = {key: value for key, value in os.environ.items() if key not in PRODUCTION_UNSET}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_passes_with_the_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="bocage.example",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage("check", DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="bocage.example")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_the_cache_url_names_the_backend():
    assert cache_from_url("locmem://") == {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "bocage",
    }
    assert cache_from_url("redis://redis:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://redis:6379/1",
        "KEY_PREFIX": "bocage",
    }
    assert cache_from_url("dummy://") == {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    with pytest.raises(ValueError, match="unsupported scheme 'memcached'"):
        cache_from_url("memcached://x")
