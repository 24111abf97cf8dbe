"""Backups restore: a small ledger → scripts/backup.sh → restore_drill → verify_ledger clean."""

from __future__ import annotations

import io
import os
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from djmoney.money import Money

from ledger import services
from ledger.models import Transaction
from tests.conftest import account_of, requires_postgresql

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def scratch_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE 'bocage_restore_drill_%%'")
        return sorted(row[0] for row in cursor.fetchall())


def backup(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url(), "BACKUP_DIR": str(tmp_path), **extra}
    env.pop("DATABASE_URL_FILE", None)
    return subprocess.run(
        ["bash", "scripts/backup.sh"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_backup_of_a_small_ledger_restores_and_verifies_and_the_scratch_copy_is_dropped(tmp_path, make_member):
    payer, payee = make_member(), make_member()
    hrs = lambda amount: Money(amount, "HRS")  # noqa: E731
    services.transfer_create(
        from_account=account_of(payer, "HRS"), to_account=account_of(payee, "HRS"), amount=hrs("3"), actor=None
    )
    hold = services.hold_create(
        from_account=account_of(payee, "HRS"), to_account=account_of(payer, "HRS"), amount=hrs("2"), actor=None
    )
    services.hold_capture(hold=hold, actor=None, amount=hrs("1.5"))
    services.hold_create(
        from_account=account_of(payer, "HRS"), to_account=account_of(payee, "HRS"), amount=hrs("1"), actor=None
    )
    before = scratch_databases()

    result = backup(tmp_path)
    assert result.returncode == 0, result.stderr
    archive = Path(result.stdout.strip())
    assert archive.parent == tmp_path and archive.name.startswith("bocage-") and archive.suffix == ".dump"
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    out = io.StringIO()
    call_command("restore_drill", dump=str(archive), stdout=out)

    report = out.getvalue()
    assert "OK     pg_restore" in report
    assert "OK     migrate --check" in report
    assert "OK     verify_ledger" in report
    assert f"Transactions: {Transaction.objects.count()} " in report
    assert "(pending holds: 1)" in report
    assert "OK: the ledger verifies." in report
    assert "Restore drill passed" in report
    assert scratch_databases() == before


def test_a_file_that_is_not_an_archive_is_refused_before_any_database_is_created(tmp_path):
    bogus = tmp_path / "bocage-bogus.dump"
    bogus.write_bytes(b"this is not a pg_dump archive")
    before = scratch_databases()

    with pytest.raises(CommandError, match="not a readable pg_dump archive"):
        call_command("restore_drill", dump=str(bogus), stdout=io.StringIO())

    assert scratch_databases() == before


def test_backups_past_the_retention_are_removed_and_recent_ones_kept(tmp_path):
    old = tmp_path / "bocage-20000101T000000Z.dump"
    recent = tmp_path / "bocage-20990101T000000Z.dump"
    unrelated = tmp_path / "notes.txt"
    for path in (old, recent, unrelated):
        path.write_text("x")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(unrelated, (month_ago, month_ago))

    result = backup(tmp_path, BACKUP_RETENTION_DAYS="7")

    assert result.returncode == 0, result.stderr
    assert not old.exists()
    assert recent.exists() and unrelated.exists()
    assert Path(result.stdout.strip()).exists()
    assert f"removed old archive {old}" in result.stderr
    assert not list(tmp_path.glob("*.partial"))
