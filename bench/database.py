"""The benchmark's own database: created beside the configured one, migrated, dropped at the end.

On PostgreSQL the bench database is `<name>_bench` on the same server, created and dropped with
psycopg (autocommit: CREATE DATABASE cannot run in a transaction). Django is re-pointed at it by
changing the default connection's settings in this process before any query, so `migrate` and
every service run there; child processes (workers, gunicorn, verify_ledger) get a DATABASE_URL
naming it. The configured database itself is never written.
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

SUFFIX = "_bench"


class BenchRefused(Exception):
    """The benchmark would not be safe to run here (see the message)."""


@dataclass
class BenchDatabase:
    vendor: str  # "postgresql" or "sqlite"
    name: str  # database name (PostgreSQL) or file path (SQLite)
    url: str  # a DATABASE_URL for child processes
    original_name: str
    conninfo: dict[str, Any]  # psycopg.connect() keywords (PostgreSQL only)

    @property
    def is_postgresql(self) -> bool:
        return self.vendor == "postgresql"


def _default() -> dict[str, Any]:
    return cast(dict[str, Any], settings.DATABASES["default"])


def bench_database_for(url: str | None = None) -> BenchDatabase:
    """Describe the sibling bench database of the configured default database."""
    db = _default()
    engine = db["ENGINE"]
    source_url = url or getattr(settings, "DATABASE_URL", "")
    if engine == "django.db.backends.postgresql":
        name = f"{db['NAME']}{SUFFIX}"
        parts = urlsplit(source_url)
        bench_url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
        conninfo = {
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
            "dbname": name,
        }
        return BenchDatabase("postgresql", name, bench_url, str(db["NAME"]), conninfo)
    if engine == "django.db.backends.sqlite3":
        path = Path(str(db["NAME"]))
        bench_path = path.with_name(f"{path.stem}{SUFFIX}{path.suffix or '.sqlite3'}")
        return BenchDatabase("sqlite", str(bench_path), f"sqlite:///{bench_path}", str(path), {})
    raise BenchRefused(f"unsupported database engine {engine}")


def _admin_connect(bench: BenchDatabase) -> Any:
    import psycopg

    return psycopg.connect(**{**bench.conninfo, "dbname": "postgres"}, autocommit=True)


def exists(bench: BenchDatabase) -> bool:
    if not bench.is_postgresql:
        return Path(bench.name).exists()
    with _admin_connect(bench) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench.name]).fetchone() is not None


def drop(bench: BenchDatabase) -> None:
    connections.close_all()
    if not bench.is_postgresql:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(bench.name + suffix).unlink(missing_ok=True)
        return
    from psycopg import sql

    with _admin_connect(bench) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(bench.name)))


def create(bench: BenchDatabase, *, recreate: bool) -> None:
    """Create the bench database; refuse to reuse one left by an earlier run unless `recreate`."""
    if bench.name == bench.original_name:
        raise BenchRefused("the bench database would be the configured database itself")
    if exists(bench):
        if not recreate:
            raise BenchRefused(
                f"the bench database {bench.name} already exists (an earlier run with --keep?); "
                "pass --recreate to drop and create it again"
            )
        drop(bench)
    if bench.is_postgresql:
        from psycopg import sql

        with _admin_connect(bench) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(bench.name)))
    else:
        Path(bench.name).parent.mkdir(parents=True, exist_ok=True)


def clone_sqlite(template: str, bench: BenchDatabase) -> None:
    """Start the SQLite bench database as a copy of an already migrated one (the tests pass theirs):
    `migrate` then has nothing left to apply."""
    import sqlite3

    if bench.is_postgresql:
        raise BenchRefused("--template-database is for SQLite only")
    with sqlite3.connect(template) as source, sqlite3.connect(bench.name) as target:
        source.backup(target)
    source.close()
    target.close()


def point_django_at(bench: BenchDatabase) -> None:
    """Re-point the default connection of this process at the bench database (before any query)."""
    connections.close_all()
    _default()["NAME"] = bench.name
    connections["default"].settings_dict["NAME"] = bench.name
    os.environ["DATABASE_URL"] = bench.url  # inherited by every child process


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)


def run_meta(command: str, bench: BenchDatabase, *, quick: bool, sizes: dict[str, Any]) -> dict[str, Any]:
    """What every bench's JSON starts with: the command line, when, where (the database server and
    this machine, with its load average) and at what sizes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if bench.is_postgresql else "SELECT sqlite_version()")
        server_version = cursor.fetchone()[0]
    return {
        "command": f"python manage.py {command} " + shlex.join(sys.argv[2:]),
        "started_at": timezone.now().isoformat(),
        "load_average_start": [round(value, 2) for value in os.getloadavg()],
        "database": bench.vendor,
        "server": server_version,
        "bench_database": bench.name,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "quick": quick,
        "sizes": sizes,
    }
