"""Exactly one beat: two schedulers, one lock; only the holder sends, and a standby takes over.

In process: two SingleBeatSchedulers, each publishing to its own queue of kombu's in-memory
broker, so each one's messages can be counted. The lock is the real one: a PostgreSQL advisory
lock on the test database, or an flock on a file with SQLite. Then, on PostgreSQL, two real
`celery -A config beat` processes against a private Redis: SIGKILL the active one and the
standby starts sending.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import redis as redis_client
from celery import Celery
from django.conf import settings
from django.db import connection

from config.beat import BEAT_LOCK_ID, AdvisoryLock, FileLock, SingleBeatScheduler, default_lock
from tests.conftest import requires_postgresql
from tests.proofs import faults
from tests.proofs.faults import REDIS_SERVER, PrivateRedis, wait_until

pytestmark = pytest.mark.django_db


def make_scheduler(tmp_path: Path, queue: str, lock_path: Path | None) -> SingleBeatScheduler:
    """A scheduler whose one entry is due every 50 ms, publishing to `queue` on the memory broker."""
    app = Celery(f"beat-{queue}", set_as_current=False)
    app.conf.update(
        broker_url="memory://",
        # The explicit write URL wins over the CELERY_BROKER_URL of the test run's environment.
        broker_write_url="memory://",
        task_default_queue=queue,
        beat_schedule={"ping": {"task": "tests.beat.ping", "schedule": 0.05}},
    )
    lock = FileLock(lock_path) if lock_path is not None else default_lock()
    return SingleBeatScheduler(
        app=app, schedule_filename=str(tmp_path / f"schedule-{queue}"), lock=lock, lock_retry_interval=0.2
    )


def published(scheduler: SingleBeatScheduler, queue: str) -> int:
    with scheduler.app.connection_for_write() as broker:
        return int(broker.default_channel.queue_declare(queue=queue).message_count)


def run_ticks(schedulers: list[SingleBeatScheduler], seconds: float) -> None:
    """Tick each scheduler the way beat's loop does, sleeping what they ask (capped, to interleave)."""
    wake_at = [0.0] * len(schedulers)
    give_up_at = time.monotonic() + seconds
    while time.monotonic() < give_up_at:
        now = time.monotonic()
        for index, scheduler in enumerate(schedulers):
            if now >= wake_at[index]:
                wake_at[index] = now + scheduler.tick()
        time.sleep(0.01)


def lock_path_for_backend(tmp_path: Path) -> Path | None:
    return None if connection.vendor == "postgresql" else tmp_path / "celerybeat.lock"


def test_the_lock_follows_the_database():
    lock = default_lock()
    if connection.vendor == "postgresql":
        assert isinstance(lock, AdvisoryLock)
        assert lock.database["NAME"] == connection.settings_dict["NAME"]
    else:
        assert isinstance(lock, FileLock)
        assert lock.path == Path(settings.VAR_DIR) / "celerybeat.lock"
    assert settings.CELERY_BEAT_SCHEDULER == "config.beat:SingleBeatScheduler"


def test_only_the_lock_holder_sends_and_the_standby_takes_over_when_it_goes(tmp_path):
    lock_path = lock_path_for_backend(tmp_path)
    first = make_scheduler(tmp_path, "beat-first", lock_path)
    second = make_scheduler(tmp_path, "beat-second", lock_path)
    try:
        assert (first.active, second.active) == (True, False)
        # The standby has not even opened its schedule file.
        assert second._store is None

        run_ticks([first, second], 1.0)

        sent_by_first = published(first, "beat-first")
        assert sent_by_first >= 5
        assert published(second, "beat-second") == 0

        # The holder's lock goes: its connection (or file) closes, as when its process dies.
        first.lock.release()
        run_ticks([second], 0.5)

        assert second.active is True
        assert published(second, "beat-second") >= 3
        # Had the old holder survived the loss of its connection, it finds out on its next tick
        # and becomes the standby: it sends nothing more.
        run_ticks([first, second], 0.5)
        assert (first.active, second.active) == (False, True)
        assert published(first, "beat-first") == sent_by_first
    finally:
        first.close()
        second.close()


def test_a_standby_that_finds_the_lock_free_sends_and_a_closed_beat_lets_go(tmp_path):
    lock_path = lock_path_for_backend(tmp_path)
    first = make_scheduler(tmp_path, "beat-closing", lock_path)
    first.close()  # a clean shutdown releases the lock at once

    second = make_scheduler(tmp_path, "beat-next", lock_path)
    try:
        assert second.active is True
        run_ticks([second], 0.5)
        assert published(second, "beat-next") >= 3
    finally:
        second.close()


@requires_postgresql()
def test_the_advisory_lock_is_really_held_in_postgresql(tmp_path):
    scheduler = make_scheduler(tmp_path, "beat-pg", None)
    try:
        assert scheduler.active
        with psycopg.connect(faults.test_database_url(), autocommit=True) as other:
            assert other.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_ID]).fetchone() == (False,)
        scheduler.close()
        with psycopg.connect(faults.test_database_url(), autocommit=True) as other:
            assert other.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_ID]).fetchone() == (True,)
    finally:
        scheduler.close()


# --- Two real beat processes ---------------------------------------------------------------


class BeatProcess(faults.ProcessGroup):
    """`celery -A config beat` on the test database and a private Redis, every entry due each second."""

    def __init__(self, broker_url: str, directory: Path, name: str) -> None:
        self.log_path = directory / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.process = faults.start_celery(
                ["beat", "--loglevel=INFO", f"--schedule={directory / name}-schedule"],
                broker_url=broker_url,
                log=log,
                environment={
                    "BOCAGE_BEAT_FAST_SCHEDULE_SECONDS": "1",
                    "BOCAGE_BEAT_LOCK_RETRY_SECONDS": "1",
                    "LOG_FORMAT": "plain",
                },
            )
        # Kept after a kill: the messages it published stay signed with it.
        self.started_pid = self.process.pid

    @property
    def pid(self) -> int:
        return self.started_pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def senders(broker_url: str) -> Counter[int]:
    """Messages waiting in the default queue, by the pid of the process that published them."""
    client = redis_client.Redis.from_url(broker_url)
    try:
        counts: Counter[int] = Counter()
        for raw in client.lrange("celery", 0, -1):
            origin = json.loads(raw)["headers"]["origin"]  # "gen<pid>@<host>"
            counts[int(origin.split("@", 1)[0].removeprefix("gen"))] += 1
        return counts
    finally:
        client.close()


@requires_postgresql()
@pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server to run a private broker")
@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_one_sends_and_the_other_takes_over_after_a_sigkill():
    broker = PrivateRedis().start()
    directory = Path(tempfile.mkdtemp(prefix="bocage-beat-"))
    beats: list[BeatProcess] = []
    try:
        first = BeatProcess(broker.url, directory, "first")
        beats.append(first)
        assert wait_until(lambda: senders(broker.url)[first.pid] >= 3, timeout=60, step=0.2), first.output()
        second = BeatProcess(broker.url, directory, "second")
        beats.append(second)
        assert wait_until(lambda: "standby" in second.output(), timeout=60, step=0.2), second.output()
        time.sleep(3)  # three lock retries of the standby, three seconds of sending by the active one
        assert senders(broker.url)[second.pid] == 0
        assert senders(broker.url)[first.pid] >= 6

        first.kill()
        sent_by_first = senders(broker.url)[first.pid]

        assert wait_until(lambda: senders(broker.url)[second.pid] >= 3, timeout=30, step=0.2), second.output()
        assert "took over" in second.output()
        assert senders(broker.url)[first.pid] == sent_by_first
        assert set(senders(broker.url)) == {first.pid, second.pid}
    finally:
        for beat in beats:
            beat.kill()
        broker.kill()
