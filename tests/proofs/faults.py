"""Real processes to break: a private Redis and Celery workers, started, killed and restarted.

The tests of tests/proofs/test_faults.py use these against the test database of the run: the
worker is a separate `celery worker` process (prefork, two children) whose DATABASE_URL names
the test database, so what it commits is what the test reads. SIGKILL goes to the worker's whole
process group: parent and children die at once, as in a power cut, without acknowledging the
message they were working on (acks_late).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from tests.conftest import requires_postgresql

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    give_up_at = time.monotonic() + timeout
    while time.monotonic() < give_up_at:
        if condition():
            return True
        time.sleep(step)
    return condition()


class PrivateRedis:
    """A Redis of the test's own on a free port, nothing persisted: killing it loses its queues."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_until(lambda: port_open(self.port), 20):
            raise RuntimeError(f"redis-server did not open port {self.port}")
        return self

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None
        wait_until(lambda: not port_open(self.port), 10)


def test_database_url() -> str:
    """The URL of the database this test run uses (the test database, not the configured one)."""
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


def start_celery(
    arguments: list[str], *, broker_url: str, log: IO[Any], environment: dict[str, str]
) -> subprocess.Popen[bytes]:
    """`celery -A config <arguments>` in a session of its own, on the test database and the broker."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "LOG_LEVEL": "INFO",
        **environment,
    }
    env.pop("BOCAGE_TEST_DB_SUFFIX", None)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *arguments],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


# The tests that start processes: PostgreSQL (the processes share the test database) and a Redis.
PROCESS_TEST_MARKS = [
    requires_postgresql(),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server to run a private broker"),
    pytest.mark.django_db(transaction=True),
]


class ProcessGroup:
    """A child started in its own session: SIGKILL or SIGTERM reach the parent and its children."""

    process: subprocess.Popen[bytes] | None = None
    stop_timeout: float = 30

    def kill(self) -> None:
        """SIGKILL to the whole group at once: nothing is acknowledged, answered or cleaned up."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(20)
        self.process = None
        self.after_kill()

    def after_kill(self) -> None:
        """What a subclass waits for once its processes are gone."""

    def stop(self) -> None:
        """A warm shutdown (SIGTERM): the work under way finishes first, within stop_timeout."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None


class Worker(ProcessGroup):
    """`celery -A config worker` in its own process group, on the given broker and the test database."""

    stop_timeout = 90  # a warm shutdown lets the tasks under way finish

    def __init__(self, broker_url: str, **environment: str) -> None:
        self.broker_url = broker_url
        self.environment = environment
        self.process: subprocess.Popen[bytes] | None = None
        # Kept after the test for a failure's message; the system's temporary directory owns it.
        self.log: IO[Any] = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="bocage-fault-worker-", suffix=".log", delete=False
        )

    def start(self) -> Worker:
        self.process = start_celery(
            [
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--hostname=fault-{uuid.uuid4().hex[:8]}@localhost",
            ],
            broker_url=self.broker_url,
            log=self.log,
            environment=self.environment,
        )
        return self

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")


class Sender:
    """Sends tasks by name to the given broker, as the beat would.

    The connection is explicit: Celery prefers the CELERY_BROKER_URL environment variable (set
    for the whole test run) to any broker given in code.
    """

    def __init__(self, broker_url: str) -> None:
        self.app = Celery("bocage-fault-client", set_as_current=False)
        self.broker_url = broker_url

    def send(self, task: str) -> None:
        with self.app.connection_for_write(self.broker_url) as broker:
            self.app.send_task(task, connection=broker)

    def close(self) -> None:
        self.app.close()


def client_for(broker_url: str) -> Sender:
    return Sender(broker_url)


class WebInstance(ProcessGroup):
    """gunicorn with deploy/gunicorn.conf.py, production profile, on the test database and a broker.

    DEBUG is off (the hardened settings), except the HTTPS redirect: the test talks plain HTTP on
    the loopback. It runs in its own process group, so `kill()` takes the master and its workers
    down together, mid-request, as a lost machine would; `start()` again reuses the same port.
    """

    def __init__(self, broker_url: str, port: int | None = None, workers: int = 2, **environment: str) -> None:
        self.broker_url = broker_url
        self.port = port or free_port()
        self.workers = workers
        self.environment = environment
        self.process: subprocess.Popen[bytes] | None = None
        self.directory = Path(tempfile.mkdtemp(prefix=f"bocage-web-{self.port}-"))
        self.log_path = self.directory / "gunicorn.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> WebInstance:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "BOCAGE_TEST_DB_SUFFIX"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DEBUG="false",
            SECURE_SSL_REDIRECT="false",
            # The test's own key: API tokens are bound to the key they were issued under.
            SECRET_KEY=settings.SECRET_KEY,
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=test_database_url(),
            CELERY_BROKER_URL=self.broker_url,
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            WEB_CONCURRENCY=str(self.workers),
            GUNICORN_MAX_REQUESTS="0",
            GUNICORN_ACCESS_LOG="",
            PROMETHEUS_MULTIPROC_DIR=str(self.directory / "metrics"),
            BOCAGE_VAR_DIR=str(self.directory / "var"),
            LOG_LEVEL="WARNING",
            **self.environment,
        )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
                cwd=Path(settings.BASE_DIR),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = self.process
        if not wait_until(lambda: process.poll() is not None or self._healthy(), timeout, step=0.1):
            raise RuntimeError(f"gunicorn on {self.port} did not answer /healthz\n{self.output()[-3000:]}")
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on {self.port} exited\n{self.output()[-3000:]}")
        return self

    def _healthy(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def after_kill(self) -> None:
        # The master and its workers died mid-request; the port is free once the kernel says so.
        wait_until(lambda: not port_open(self.port), 10)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
