"""Each broker the README names gets the transport options it understands, and a real worker runs on it.

The embedded SQLAlchemy broker (`sqla+sqlite://`), Redis and RabbitMQ: a `celery -A config worker`
process starts on each, with the options the settings give that URL, and expires a due hold sent
through that broker, on the test database. Redis and RabbitMQ are the local services; a test skips
only when its port is closed. Each run uses a queue of its own, so a shared broker's other
workers neither take nor leave work there.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from djmoney.money import Money
from kombu import Connection, Exchange, Queue

from config.brokers import broker_transport_options, embedded_queue_declare
from config.celery import app as celery_app
from ledger import services
from ledger.models import Hold
from tests.conftest import account_of
from tests.proofs import faults

REDIS_URL = "redis://127.0.0.1:6379/0"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
UNRECOVERED = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b")


def options(url: str) -> dict[str, object]:
    return broker_transport_options(url, visibility_timeout=3600, connect_timeout=2)


# --- Which options go where ----------------------------------------------------------------


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.example:6380/1"])
def test_redis_gets_its_visibility_and_connect_timeouts(url):
    assert options(url) == {"visibility_timeout": 3600, "socket_connect_timeout": 2}


@pytest.mark.parametrize("url", ["sqla+sqlite:///var/celery-broker.sqlite3", "sqlalchemy+sqlite:////tmp/b.sqlite3"])
def test_the_embedded_sqlite_broker_gets_only_a_lock_wait_that_create_engine_accepts(url):
    assert options(url) == {"connect_args": {"timeout": 30}}


@pytest.mark.parametrize(
    "url", [RABBITMQ_URL, "pyamqp://guest@rabbit//", "amqps://rabbit.example//", "sqla+postgresql://db/broker"]
)
def test_amqp_and_other_sql_brokers_get_no_transport_option(url):
    assert options(url) == {}


def test_the_settings_give_the_configured_broker_its_own_options():
    # Whichever broker this run is configured with (embedded, Redis or RabbitMQ in CI).
    assert set(options(settings.CELERY_BROKER_URL)) == set(settings.CELERY_BROKER_TRANSPORT_OPTIONS)


def test_the_embedded_broker_takes_its_options_and_carries_a_message(tmp_path):
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with Connection(url, transport_options=options(url)) as broker:
        queue = broker.SimpleQueue("options-check")
        queue.put({"hello": "bocage"})
        message = queue.get(timeout=5)
        message.ack()
        queue.close()
    assert message.payload == {"hello": "bocage"}


def test_declaring_the_embedded_queue_again_leaves_one_row(tmp_path):
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    for _process in range(2):
        embedded_queue_declare(url, queue="celery", transport_options=options(url))
    with contextlib.closing(sqlite3.connect(tmp_path / "broker.sqlite3")) as reader:
        assert reader.execute("SELECT name FROM kombu_queue").fetchall() == [("celery",)]


# --- A real worker on each broker -------------------------------------------------------------


class QueueWorker(faults.ProcessGroup):
    """`celery -A config worker` on one queue of the broker, on the test database (SQLite or PostgreSQL)."""

    def __init__(self, broker_url: str, queue: str, directory: Path) -> None:
        self.log_path = directory / "worker.log"
        database = connection.settings_dict
        # The worker writes where the test reads: the test database, not the configured one.
        database_url = f"sqlite:///{database['NAME']}" if connection.vendor == "sqlite" else faults.test_database_url()
        with self.log_path.open("wb") as log:
            self.process = faults.start_celery(
                # Named after its queue: no clash with the other workers of a shared broker.
                ["worker", "--concurrency=1", "--loglevel=INFO", f"--queues={queue}", f"--hostname={queue}@localhost"],
                broker_url=broker_url,
                log=log,
                environment={"DATABASE_URL": database_url, "BOCAGE_VAR_DIR": str(directory), "LOG_FORMAT": "plain"},
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def queue_delete(broker_url: str, queue: str) -> None:
    with Connection(broker_url, transport_options=options(broker_url)) as broker:
        bound = Queue(queue, Exchange(queue), routing_key=queue)(broker.default_channel)
        bound.declare()
        bound.delete()


def a_worker_on_the_broker_expires_a_due_hold(broker_url: str, make_member, directory: Path) -> None:
    payer = account_of(make_member(username="alice"), "HRS")
    payee = account_of(make_member(username="bruno"), "HRS")
    deadline = timezone.now() + timedelta(milliseconds=300)
    hold = services.hold_create(
        from_account=payer, to_account=payee, amount=Money("3", "HRS"), actor=None, expires_at=deadline
    )
    assert faults.wait_until(lambda: timezone.now() > deadline, timeout=5)
    queue = f"test-broker-{uuid.uuid4().hex[:12]}"
    worker = QueueWorker(broker_url, queue, directory)
    try:
        with Connection(broker_url, transport_options=options(broker_url)) as broker:
            celery_app.send_task("ledger.tasks.holds_expire_due", queue=queue, connection=broker)
        expired = faults.wait_until(
            lambda: Hold.objects.get(pk=hold.pk).status == Hold.Status.EXPIRED, timeout=60, step=0.2
        )
        assert expired, worker.output()[-4000:]
        assert " ready." in worker.output()
        assert not UNRECOVERED.search(worker.output()), worker.output()[-4000:]
        process = worker.process
        worker.stop()
        assert process is not None and process.returncode == 0, worker.output()[-4000:]
    finally:
        worker.kill()
        with contextlib.suppress(Exception):
            queue_delete(broker_url, queue)
    payer.refresh_from_db()
    assert (payer.balance, payer.held, payer.available) == (0, 0, 2000)


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_embedded_sqlalchemy_broker_runs_a_task(make_member, tmp_path):
    a_worker_on_the_broker_expires_a_due_hold(f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}", make_member, tmp_path)


@pytest.mark.skipif(not faults.port_open(6379), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_a_task(make_member, tmp_path):
    url = settings.CELERY_BROKER_URL if settings.CELERY_BROKER_URL.startswith("redis://") else REDIS_URL
    a_worker_on_the_broker_expires_a_due_hold(url, make_member, tmp_path)


@pytest.mark.skipif(not faults.port_open(5672), reason="no RabbitMQ on 127.0.0.1:5672")
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_rabbitmq_runs_a_task(make_member, tmp_path):
    url = settings.CELERY_BROKER_URL if settings.CELERY_BROKER_URL.startswith("amqp://") else RABBITMQ_URL
    a_worker_on_the_broker_expires_a_due_hold(url, make_member, tmp_path)
