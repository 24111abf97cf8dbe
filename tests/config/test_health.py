"""/healthz and /readyz answer what a load balancer needs, through real outages of real services."""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import threading
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


def test_readyz_is_ok_with_a_working_database_broker_and_worker(client, worker_seen):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "migrations": "ok", "worker": "ok"},
    }


def test_readyz_answers_503_naming_the_broker_when_its_port_is_closed(client, settings, caplog, worker_seen):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    caplog.set_level(logging.WARNING)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["worker"] == "ok"
    assert body["checks"]["broker"].startswith("error: OperationalError")
    assert "Connection refused" in body["checks"]["broker"]
    # A probe seeing an outage is a warning naming the dependency, not a server error.
    assert django_request_errors(caplog) == []
    assert any("readiness check failed" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_readyz_answers_503_naming_the_database_when_it_cannot_be_reached(client, caplog, worker_seen):
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
    assert checks["worker"] == "error: database unreachable"
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
def test_readyz_follows_a_private_redis_that_is_stopped_and_started_again(client, settings, worker_seen):
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


class Relay:
    """A TCP relay on a loopback port to the real PostgreSQL: stopping it is, for whoever connects
    through it, the database going away (refused connections, open ones cut); starting it again on
    the same port is the database coming back. The shared server itself is never touched."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = closed_port()
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self.listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would leave the
            # kernel's socket listening until that accept() returned.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets = []


@requires_postgresql()
# Committed: the probe's connection through the relay is not the test's, and must see the heartbeat.
@pytest.mark.django_db(transaction=True)
def test_readyz_follows_a_database_that_goes_away_and_comes_back(client, caplog, worker_seen):
    original_settings = connections.settings["default"]
    relay = Relay((original_settings.get("HOST") or "127.0.0.1", int(original_settings.get("PORT") or 5432)))
    through_relay = dict(original_settings)
    through_relay.update(HOST="127.0.0.1", PORT=str(relay.port), OPTIONS={"connect_timeout": 2})
    test_connection = connections["default"]
    caplog.set_level(logging.WARNING)
    answers = []
    relay.start()
    try:
        connections.settings["default"] = through_relay
        del connections["default"]
        answers.append(client.get("/readyz"))
        relay.stop()  # the database goes away: the open connection is cut, new ones are refused
        answers.append(client.get("/readyz"))
        answers.append(client.get("/readyz"))  # still away: still not ready, still no error page
        relay.start()  # and comes back on the same address
        answers.append(client.get("/readyz"))
    finally:
        connections["default"].close()
        relay.stop()
        connections.settings["default"] = original_settings
        connections["default"] = test_connection

    assert [answer.status_code for answer in answers] == [200, 503, 503, 200]
    assert answers[1].json()["checks"]["database"].startswith("error: ")
    assert answers[1].json()["checks"]["broker"] == "ok"
    assert answers[3].json()["checks"] == answers[0].json()["checks"]
    assert django_request_errors(caplog) == []
