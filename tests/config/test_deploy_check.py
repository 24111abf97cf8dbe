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


def check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    production = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "bocage.example"}
    return manage("check", "--deploy", "--fail-level", "WARNING", **{**production, **env})


def test_check_deploy_passes_with_the_production_settings():
    # Production shares its throttle and lockout counters: a Redis (not connected to by the check).
    result = check_deploy(CACHE_URL="redis://redis.internal:6379/1")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("cache_url", ["locmem://", "dummy://"])
def test_check_deploy_fails_when_the_throttle_cache_is_not_shared_between_processes(cache_url):
    # What a RabbitMQ deployment got silently: no Redis broker, so each process counted alone.
    result = check_deploy(CACHE_URL=cache_url, CELERY_BROKER_URL="amqp://guest:guest@rabbitmq:5672//")

    assert result.returncode == 1
    assert "bocage.E001" in result.stderr
    assert "limits are multiplied by the number of web processes" in result.stderr
    assert "Set CACHE_URL" in result.stderr


def test_with_rabbitmq_and_no_cache_url_check_deploy_fails():
    result = check_deploy(CACHE_URL="", CELERY_BROKER_URL="amqp://guest:guest@rabbitmq:5672//")

    assert result.returncode == 1
    assert "bocage.E001" in result.stderr


def test_django_database_cache_is_shared_and_passes_check_deploy():
    result = check_deploy(CACHE_URL="db://", CELERY_BROKER_URL="amqp://guest:guest@rabbitmq:5672//")

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_embedded_run_keeps_its_memory_cache_without_complaint():
    result = manage("check", "--deploy", "--fail-level", "ERROR", DEBUG="true", CACHE_URL="locmem://")

    assert "bocage.E001" not in result.stderr + result.stdout


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
    assert cache_from_url("db://") == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "bocage_cache",
    }
    assert cache_from_url("db://other_cache") == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "other_cache",
    }
    with pytest.raises(ValueError, match="unsupported scheme 'memcached'"):
        cache_from_url("memcached://x")
