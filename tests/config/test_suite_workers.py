"""config/suite.py: each pytest-xdist worker gets its own files and Redis database; outside the suite, nothing moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.suite import suite_worker, worker_redis_url, worker_var_dir


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/0", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/0", "gw1", "redis://127.0.0.1:6379/2"),
        ("redis://127.0.0.1:6379/9", "gw1", "redis://127.0.0.1:6379/11"),
        ("redis://127.0.0.1:6379", "gw0", "redis://127.0.0.1:6379/1"),
        (
            "rediss://:secret@cache.example:6380/3?ssl_cert_reqs=none",
            "gw2",
            "rediss://:secret@cache.example:6380/6?ssl_cert_reqs=none",
        ),
        ("redis://127.0.0.1:6379/0", "", "redis://127.0.0.1:6379/0"),
        ("amqp://guest:guest@127.0.0.1:5672//", "gw1", "amqp://guest:guest@127.0.0.1:5672//"),
        ("sqla+sqlite:///var/celery-broker.sqlite3", "gw0", "sqla+sqlite:///var/celery-broker.sqlite3"),
        ("locmem://", "gw0", "locmem://"),
        ("", "gw0", ""),
    ],
)
def test_redis_database_per_worker(url, worker, expected):
    assert worker_redis_url(url, worker) == expected


def test_a_worker_past_the_redis_databases_is_refused():
    with pytest.raises(ValueError, match="database 16"):
        worker_redis_url("redis://127.0.0.1:6379/0", "gw15")


def test_files_per_worker_unless_a_directory_is_named(tmp_path):
    assert worker_var_dir(None, tmp_path, "gw1") == tmp_path / "workers" / "gw1"
    assert worker_var_dir("", tmp_path, "gw1") == tmp_path / "workers" / "gw1"
    assert worker_var_dir(None, tmp_path, "") == tmp_path
    assert worker_var_dir("/srv/bocage/var", tmp_path, "gw1") == Path("/srv/bocage/var")


@pytest.mark.parametrize(
    ("value", "expected"), [("gw0", "gw0"), ("gw12", "gw12"), ("", ""), ("master", ""), ("../x", "")]
)
def test_worker_name_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", value)
    assert suite_worker() == expected


def test_this_run_uses_its_worker_directory(settings):
    # Under `make test` (several workers) the settings point at this worker's own directory.
    worker = suite_worker()
    if worker:
        assert Path(settings.MEDIA_ROOT).parent.name == worker
        assert Path(settings.MEDIA_ROOT).parent.parent.name == "workers"
    else:
        assert "workers" not in Path(settings.MEDIA_ROOT).parts
