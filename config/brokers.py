"""Celery broker transport options, per transport: each kombu transport takes different ones.

kombu hands `broker_transport_options` to the transport the URL names, and the SQLAlchemy
transport (the embedded `sqla+` broker) passes every option it does not know to
`sqlalchemy.create_engine()`, which refuses anything it does not know either: Redis's options
there kill the worker at start-up. So each transport gets only what it understands.
"""

from __future__ import annotations

from typing import Any

REDIS_SCHEMES = ("redis://", "rediss://")
SQLALCHEMY_SCHEMES = ("sqla+", "sqlalchemy+")


def broker_transport_options(url: str, *, visibility_timeout: int, connect_timeout: float) -> dict[str, Any]:
    """The transport options for the broker at `url` (none for AMQP and anything else)."""
    if url.startswith(REDIS_SCHEMES):
        # A worker that dies mid-task (SIGKILL, a lost machine) leaves its message unacknowledged;
        # Redis hands it out again after visibility_timeout. Every task is safe to run twice, so a
        # short timeout only costs a duplicate run of a long task; a long one delays recovery.
        return {"visibility_timeout": visibility_timeout, "socket_connect_timeout": connect_timeout}
    if url.startswith(SQLALCHEMY_SCHEMES) and url.split("+", 1)[1].startswith("sqlite"):
        # The web process, the worker's children and the beat all write one SQLite file: wait for
        # its lock as the database does (settings' DATABASES), not sqlite3's 5 s then "database is
        # locked". kombu polls every second; its `polling_interval` option cannot be given here,
        # because this transport would pass it on to create_engine() too.
        return {"connect_args": {"timeout": 30}}
    # Another SQL database behind kombu needs nothing more than its URL.
    # AMQP: broker_connection_timeout covers the connection, and unacknowledged messages go back
    # to the queue when the worker's connection drops, without any timeout.
    return {}


def embedded_queue_declare(url: str, *, queue: str, transport_options: dict[str, Any]) -> None:
    """Create the queue's row in the SQLAlchemy broker at `url` before anything uses it (else nothing).

    kombu's SQLAlchemy transport creates a queue's row on first use, guarded by a lock of its
    process only: a worker and its beat starting together on a fresh broker both insert it, and the
    loser's session stays broken (every later send fails with PendingRollbackError), so the beat
    never sends. Called once at the start of each worker and beat, before they fork or send.
    """
    if not url.startswith(SQLALCHEMY_SCHEMES):
        return
    from kombu import Connection
    from sqlalchemy.exc import IntegrityError

    for _attempt in range(2):
        try:
            with Connection(url, transport_options=transport_options) as broker:
                broker.default_channel.queue_declare(queue=queue)
            return
        except IntegrityError:
            continue  # another process created it at this very moment: it exists now


def inherited_broker_connections_forget() -> None:
    """In a process just forked (the beat a worker runs with -B, a pool child), drop the SQLAlchemy
    broker's connections inherited from the parent, without closing them under the parent.

    kombu's SQLAlchemy transport keeps one engine per URL for the whole process, with its pooled
    connections. A forked child that reuses a SQLite connection its parent opened breaks SQLite's
    rule (a connection never crosses a fork): it fails with "disk I/O error", and that transport's
    channel then stays disconnected, so an embedded beat never sends again. After this the child
    opens connections of its own. Nothing to do for another transport.
    """
    try:
        from kombu.transport.sqlalchemy import Channel
    except ImportError:  # SQLAlchemy is not installed: no such broker in this process
        return
    for engine, _session in list(Channel._engines.values()):
        engine.dispose(close=False)
