"""Exactly one beat: a Celery beat scheduler that only sends periodic tasks while it holds a lock.

Run `celery -A config beat` on as many machines as you like; one of them is *active* and sends,
the others are hot standbys that send nothing and try to take the lock every few seconds. When
the active beat dies (SIGKILL, a lost machine), the lock goes with it and a standby takes over
on its next try. Periodic tasks are all safe if they run twice, so the lock is about not doing
the work twice, not about correctness; it does make "exactly one beat" true without an operator.

The lock:

- PostgreSQL: a session-level `pg_try_advisory_lock(BEAT_LOCK_ID)` on a dedicated psycopg
  connection (not Django's, which may be closed or recycled between queries), kept open while the
  beat runs. PostgreSQL releases the lock when that session ends, which is what happens when the
  process dies or its machine disappears (TCP keepalives bound how long a silent peer counts as
  alive). Advisory locks are per database: two deployments on one server do not share them.
- SQLite (the embedded, one-machine setup): an exclusive `fcntl.flock` on
  `$BOCAGE_VAR_DIR/celerybeat.lock`; the kernel releases it when the process dies.

The standby does not even open its schedule file (a shelve that `dbm.gnu` locks exclusively):
it opens it when it becomes active, and closes it if it ever loses the lock (the database
connection dropped: the lock went with it, and another beat may have taken over).

`BOCAGE_BEAT_LOCK_RETRY_SECONDS` (default 5) is how often a standby tries the lock and how often
the active beat checks that it still holds it. `BOCAGE_BEAT_FAST_SCHEDULE_SECONDS` is for tests
only: when set, every schedule entry runs every that many seconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Any, Protocol

import psycopg
from celery.beat import PersistentScheduler
from django.conf import settings

from .env import env_int

logger = logging.getLogger(__name__)

# "bocage b" in ASCII: any constant will do, as long as every beat of the deployment uses it.
BEAT_LOCK_ID = 0x626F_6361_6765_2062


class BeatLock(Protocol):
    """What the scheduler needs of a lock: take it without waiting, know it still holds it, let it go."""

    description: str

    def acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection of its own."""

    def __init__(self, database: dict[str, Any], lock_id: int = BEAT_LOCK_ID) -> None:
        self.database = database
        self.lock_id = lock_id
        self.connection: psycopg.Connection[Any] | None = None
        self.description = f"PostgreSQL advisory lock {lock_id} on database {database.get('NAME')!r}"

    def _connect(self) -> psycopg.Connection[Any]:
        options = self.database.get("OPTIONS") or {}
        return psycopg.connect(
            dbname=self.database["NAME"],
            user=self.database.get("USER") or None,
            password=self.database.get("PASSWORD") or None,
            host=self.database.get("HOST") or None,
            port=str(self.database["PORT"]) if self.database.get("PORT") else None,
            connect_timeout=int(options.get("connect_timeout", 5)),
            application_name="bocage-beat",
            autocommit=True,
            # A machine that vanished without closing its socket loses the lock within ~1 min.
            keepalives=1,
            keepalives_idle=20,
            keepalives_interval=5,
            keepalives_count=3,
        )

    def acquire(self) -> bool:
        try:
            if self.connection is None or self.connection.closed:
                self.connection = self._connect()
            row = self.connection.execute("SELECT pg_try_advisory_lock(%s)", [self.lock_id]).fetchone()
        except psycopg.Error as exc:
            logger.warning("beat: cannot try the lock (%s): %s", self.description, exc)
            self.release()
            return False
        return bool(row and row[0])

    def still_held(self) -> bool:
        """The session is alive, so its lock is: PostgreSQL only drops it with the session."""
        if self.connection is None or self.connection.closed:
            return False
        try:
            self.connection.execute("SELECT 1").fetchone()
        except psycopg.Error:
            self.release()
            return False
        return True

    def release(self) -> None:
        """Closing the session releases the lock (an explicit unlock would need a live session)."""
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
        self.connection = None


class FileLock:
    """An exclusive flock on a file, for the embedded one-machine setup (SQLite)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None
        self.description = f"file lock {path}"

    def acquire(self) -> bool:
        if self.fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o640)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())
        return True

    def still_held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
        self.fd = None


def default_lock() -> BeatLock:
    """The advisory lock on PostgreSQL, a file lock otherwise (the database decides, not a setting)."""
    from django.db import connections

    database = connections["default"].settings_dict
    if database["ENGINE"] == "django.db.backends.postgresql":
        return AdvisoryLock(database)
    return FileLock(Path(settings.VAR_DIR) / "celerybeat.lock")


class SingleBeatScheduler(PersistentScheduler):
    """PersistentScheduler that sends only while it holds the deployment's beat lock."""

    def __init__(
        self, *args: Any, lock: BeatLock | None = None, lock_retry_interval: float | None = None, **kwargs: Any
    ):
        self.lock = lock if lock is not None else default_lock()
        self.lock_retry_interval = float(
            lock_retry_interval if lock_retry_interval is not None else env_int("BOCAGE_BEAT_LOCK_RETRY_SECONDS", 5)
        )
        self.active = False
        super().__init__(*args, **kwargs)

    # The store (and so the schedule) exists only while active.
    def get_schedule(self) -> dict[str, Any]:
        return self._store["entries"] if self._store is not None else {}

    def set_schedule(self, schedule: dict[str, Any]) -> None:
        if self._store is not None:
            self._store["entries"] = schedule

    schedule = property(get_schedule, set_schedule)

    def setup_schedule(self) -> None:
        """Called once at start: become active now if the lock is free, else wait as a standby."""
        if not self._become_active():
            logger.info("beat: standby, another beat holds the %s; retrying every %ss", self.lock.description,
                        self.lock_retry_interval)  # fmt: skip

    def _become_active(self) -> bool:
        if not self.lock.acquire():
            return False
        fast = env_int("BOCAGE_BEAT_FAST_SCHEDULE_SECONDS", 0)
        if fast > 0:
            for entry in self.app.conf.beat_schedule.values():
                entry["schedule"] = float(fast)
        try:
            super().setup_schedule()
        except BaseException:
            self.lock.release()  # never hold the lock without sending: let another beat have it
            raise
        self._heap = None  # rebuilt from the schedule on the next tick
        self.active = True
        logger.info("beat: active, holding the %s; sending periodic tasks", self.lock.description)
        return True

    def _become_standby(self) -> None:
        self.active = False
        self._heap = None
        self.old_schedulers = None
        with contextlib.suppress(Exception):
            super().close()  # syncs and closes the schedule file
        self._store = None
        self.lock.release()
        logger.warning("beat: lost the %s (its connection closed); standby, sending nothing", self.lock.description)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """Send what is due only while holding the lock; a standby just retries the lock."""
        if self.active and not self.lock.still_held():
            self._become_standby()
        if not self.active:
            if not self._become_active():
                return self.lock_retry_interval
            logger.warning("beat: took over the %s; this beat now sends the periodic tasks", self.lock.description)
        interval = super().tick(*args, **kwargs)
        # Wake at least every retry interval to check the lock is still ours.
        return min(interval, self.lock_retry_interval)

    def should_sync(self) -> bool:
        return self.active and super().should_sync()

    def close(self) -> None:
        try:
            if self._store is not None:
                super().close()
        finally:
            self._store = None
            self.lock.release()
            self.active = False

    @property
    def info(self) -> str:
        return f"    . db -> {self.schedule_filename}\n    . lock -> {self.lock.description}"
