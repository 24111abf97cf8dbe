"""`python manage.py restore_drill --dump FILE`: prove a backup restores into a ledger that verifies.

A backup nobody has restored is a hope. The drill restores a `pg_dump -Fc` archive into a
scratch database on the same PostgreSQL server (never the live one), then runs this code's own
checks against the copy, each in a fresh process pointed at it by DATABASE_URL:

1. `pg_restore --exit-on-error` of the archive;
2. `manage.py migrate --check`: the copy's schema is the one this code expects;
3. `manage.py verify_ledger`: every seal and invariant 1–7 hold on the restored rows;
4. the media archive (`--media`, by default the `.media.tar.gz` that scripts/backup.sh writes
   beside the dump) unpacked into a scratch directory, and every file a restored row names
   (exports, photos) found in it.

It prints a report, drops the scratch database (unless --keep) and exits non-zero if any step
failed. Needs pg_restore of the server's major version (or newer) and the right to CREATE
DATABASE.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, models
from psycopg import sql

SCRATCH_PREFIX = "bocage_restore_drill_"


@dataclass
class Step:
    name: str
    ok: bool
    seconds: float
    output: str


class Command(BaseCommand):
    help = (
        "Restore a pg_dump custom-format archive into a scratch database, run migrate --check and "
        "verify_ledger on the copy, report, and drop the scratch database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dump", required=True, help="Path of a pg_dump -Fc archive (scripts/backup.sh).")
        parser.add_argument(
            "--media",
            help="Path of the media tar.gz (default: the dump's path ending .media.tar.gz, as backup.sh writes it).",
        )
        parser.add_argument(
            "--no-media", action="store_true", help="Drill the database alone (a backup made with MEDIA_ROOT=)."
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the scratch database and media directory for inspection."
        )
        parser.add_argument(
            "--database", default="default", help="Alias whose server receives the scratch database (default: default)."
        )

    def handle(
        self,
        *args: Any,
        dump: str,
        media: str | None = None,
        no_media: bool = False,
        keep: bool = False,
        database: str = "default",
        **options: Any,
    ) -> None:
        archive = Path(dump)
        if not archive.is_file():
            raise CommandError(f"no such archive: {archive}")
        media_archive = None if no_media else Path(media) if media else _media_beside(archive)
        if media_archive is not None and not media_archive.is_file():
            raise CommandError(f"no media archive {media_archive} (--media FILE, or --no-media for the database alone)")
        pg_restore = shutil.which("pg_restore")
        if pg_restore is None:
            raise CommandError("pg_restore is not installed on this machine")
        server = connections[database].settings_dict
        if server["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("the restore drill needs PostgreSQL (DATABASE_URL=postgres://…)")
        listing = subprocess.run(  # noqa: S603 - fixed program, our own arguments
            [pg_restore, "--list", str(archive)], capture_output=True, text=True, timeout=300, check=False
        )
        if listing.returncode != 0:
            raise CommandError(f"{archive} is not a readable pg_dump archive: {listing.stderr.strip()}")

        scratch = f"{SCRATCH_PREFIX}{datetime.now(tz=UTC):%Y%m%d%H%M%S}_{os.getpid()}"
        self.stdout.write(f"Restore drill: {archive} → scratch database {scratch}")
        steps: list[Step] = []
        _admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
        try:
            env = _scratch_environment(server, scratch)
            steps.append(
                _run(
                    "pg_restore",
                    [
                        pg_restore,
                        "--exit-on-error",
                        "--no-owner",
                        "--no-privileges",
                        "--dbname",
                        scratch,
                        str(archive),
                    ],
                    env,
                )
            )
            manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
            if steps[-1].ok:
                steps.append(_run("migrate --check", [*manage, "migrate", "--check", "--noinput"], env))
            if steps[-1].ok:
                steps.append(_run("verify_ledger", [*manage, "verify_ledger", "--progress-every", "1000000"], env))
            if steps[-1].ok and media_archive is not None:
                media_dir = Path(tempfile.mkdtemp(prefix=f"{scratch}_media_"))
                steps.append(_restore_media(media_archive, media_dir, server, scratch))
                if keep:
                    self.stdout.write(f"Kept the restored media in {media_dir} (remove it when done).")
                else:
                    shutil.rmtree(media_dir, ignore_errors=True)
        finally:
            if keep:
                self.stdout.write(f"Kept the scratch database {scratch} (drop it when done).")
            else:
                _admin(server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
                self.stdout.write(f"Dropped the scratch database {scratch}.")

        for step in steps:
            self.stdout.write(f"  {'OK    ' if step.ok else 'FAILED'} {step.name} ({step.seconds:.1f} s)")
            for line in step.output.strip().splitlines()[-12:]:
                self.stdout.write(f"         {line}")
        failed = [step.name for step in steps if not step.ok]
        if failed:
            raise CommandError(f"restore drill failed at {failed[0]}")
        self.stdout.write(self.style.SUCCESS("Restore drill passed: the restored ledger verifies."))


def _admin(server: dict[str, Any], statement: sql.Composed) -> None:
    """CREATE/DROP DATABASE, which cannot run in a transaction: a separate autocommit connection."""
    params: dict[str, Any] = {
        "host": server.get("HOST") or None,
        "port": server.get("PORT") or None,
        "user": server.get("USER") or None,
        "password": server.get("PASSWORD") or None,
        "dbname": "postgres",
        "connect_timeout": 10,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=True) as conn:
        conn.execute(statement)


def _scratch_environment(server: dict[str, Any], scratch: str) -> dict[str, str]:
    """The environment of each step: libpq variables for pg_restore, DATABASE_URL for manage.py."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_URL_FILE"}}
    host, port = server.get("HOST") or "", str(server.get("PORT") or "")
    user, password = server.get("USER") or "", server.get("PASSWORD") or ""
    for key, value in (("PGHOST", host), ("PGPORT", port), ("PGUSER", user), ("PGPASSWORD", password)):
        if value:
            env[key] = value
    credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    location = f"{host}:{port}" if port else host
    env["DATABASE_URL"] = f"postgres://{credentials}@{location}/{scratch}"
    return env


def _media_beside(archive: Path) -> Path:
    name = archive.name.removesuffix(".dump")
    return archive.with_name(f"{name}.media.tar.gz")


def _file_columns() -> list[tuple[str, str]]:
    """(table, column) of every file field of this code's models: the rows that name media files."""
    return [
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def _restore_media(media_archive: Path, media_dir: Path, server: dict[str, Any], scratch: str) -> Step:
    """Unpack the media archive and find in it every file the restored database names."""
    started = time.monotonic()
    try:
        with tarfile.open(media_archive, "r:gz") as tar:
            # "data": no absolute paths, no way out of the directory, no devices or odd modes.
            tar.extractall(media_dir, filter="data")
        params: dict[str, Any] = {
            "host": server.get("HOST") or None,
            "port": server.get("PORT") or None,
            "user": server.get("USER") or None,
            "password": server.get("PASSWORD") or None,
            "dbname": scratch,
            "connect_timeout": 10,
        }
        named: list[str] = []
        with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
            for table, column in _file_columns():
                query = sql.SQL("SELECT {column} FROM {table} WHERE {column} <> ''").format(
                    column=sql.Identifier(column), table=sql.Identifier(table)
                )
                named += [row[0] for row in conn.execute(query)]
    except (OSError, tarfile.TarError, psycopg.Error) as error:
        return Step("media", False, time.monotonic() - started, f"{type(error).__name__}: {error}")
    restored = sum(1 for path in media_dir.rglob("*") if path.is_file())
    missing = sorted(name for name in named if not (media_dir / name).is_file())
    report = f"{restored} file(s) restored; {len(named) - len(missing)} of {len(named)} named by the database found"
    if missing:
        report += "\nmissing: " + ", ".join(missing[:20])
    return Step("media", not missing, time.monotonic() - started, report)


def _run(name: str, command: list[str], env: dict[str, str]) -> Step:
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - fixed programs, our own arguments
        command, env=env, capture_output=True, text=True, timeout=3600, check=False, cwd=settings.BASE_DIR
    )
    return Step(name, result.returncode == 0, time.monotonic() - started, (result.stdout + result.stderr))
