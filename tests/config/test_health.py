"""/healthz and /readyz answer what a load balancer needs, through real outages of real services."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time

import pytest
from django.db import connection, connections

from tests.conftest import requires_postgresql

pytestmark = pytest.mark.django_db

PRIVATE_REDIS_PORT = 6390


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def django_request_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request" and r.levelno >= logging.ERROR]


def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"process": "ok"}}
    assert response["Cache-Control"].startswith("max-age=0")
    assert "sessionid" not in response.cookies


def test_readyz_is_ok_with_a_working_database_and_broker(client):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "migrations": "ok"},
    }


def test_readyz_answers_503_naming_the_broker_when_its_port_is_closed(client, settings, caplog):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    caplog.set_level(logging.WARNING)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["broker"].startswith("error: OperationalError")
    assert "Connection refused" in body["checks"]["broker"]
    # A probe seeing an outage is a warning naming the dependency, not a server error.
    assert django_request_errors(caplog) == []
    assert any("readiness check failed" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_readyz_answers_503_naming_the_database_when_it_cannot_be_reached(client, caplog):
    # The shared PostgreSQL stays up for the other test runs: this process's default alias is
    # pointed at a port where nothing listens (a fresh connection object), then given back.
    original_settings = connections.settings["default"]
    broken = dict(original_settings)
    if connection.vendor == "postgresql":
        broken.update(HOST="127.0.0.1", PORT=str(closed_port()), OPTIONS={"connect_timeout": 2})
    else:
        broken.update(NAME="/nonexistent-bocage-dir/default.sqlite3")
    test_connection = connections["default"]
    caplog.set_level(logging.WARNING)
    try:
        connections.settings["default"] = broken
        del connections["default"]
        response = client.get("/readyz")
    finally:
        connections["default"].close()
        connections.settings["default"] = original_settings
        connections["default"] = test_connection

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"].startswith("error: OperationalError")
    assert checks["migrations"] == "error: database unreachable"
    assert checks["broker"] == "ok"
    assert django_request_errors(caplog) == []
    # The test's own connection is back and usable.
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_probes_accept_only_get(client):
    assert client.post("/readyz").status_code == 405
    assert client.post("/healthz").status_code == 405


@requires_postgresql()
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_readyz_follows_a_private_redis_that_is_stopped_and_started_again(client, settings):
    if port_open(PRIVATE_REDIS_PORT):
        pytest.skip(f"port {PRIVATE_REDIS_PORT} is already taken by another process")
    start = [
        "redis-server",
        "--port",
        str(PRIVATE_REDIS_PORT),
        "--bind",
        "127.0.0.1",
        "--daemonize",
        "yes",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    stop = ["redis-cli", "-p", str(PRIVATE_REDIS_PORT), "shutdown", "nosave"]
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{PRIVATE_REDIS_PORT}/0"
    statuses = []
    try:
        subprocess.run(start, check=True, timeout=10)
        assert wait_for(lambda: port_open(PRIVATE_REDIS_PORT))
        statuses.append(client.get("/readyz").status_code)

        subprocess.run(stop, check=False, timeout=10)
        assert wait_for(lambda: not port_open(PRIVATE_REDIS_PORT))
        down = client.get("/readyz")
        statuses.append(down.status_code)
        assert down.json()["checks"]["broker"].startswith("error: OperationalError")
        assert down.json()["checks"]["database"] == "ok"

        subprocess.run(start, check=True, timeout=10)
        assert wait_for(lambda: port_open(PRIVATE_REDIS_PORT))
        statuses.append(client.get("/readyz").status_code)
    finally:
        if port_open(PRIVATE_REDIS_PORT):
            subprocess.run(stop, check=False, timeout=10)

    assert statuses == [200, 503, 200]
