"""Backups restore: a small ledger and its media → scripts/backup.sh → restore_drill →
verify_ledger clean, and every file the database names back from the media archive."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from djmoney.money import Money

from ledger import services
from ledger.models import ExportJob, Transaction
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
    env = {**os.environ, "DATABASE_URL": database_url(), "BACKUP_DIR": str(tmp_path), "MEDIA_ROOT": "", **extra}
    env.pop("DATABASE_URL_FILE", None)
    return subprocess.run(
        ["bash", "scripts/backup.sh"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return Path(settings.MEDIA_ROOT)


def an_export_file(make_member) -> ExportJob:
    """A finished export: a row naming a file that a worker wrote under MEDIA_ROOT."""
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.FEC, parameters={"year": 2025}, requested_by=make_member().user, status="done"
    )
    job.file.save("FEC20251231.txt", ContentFile(b"JournalCode|JournalLib\n"), save=True)
    return job


def test_a_backup_of_a_small_ledger_restores_and_verifies_and_the_scratch_copy_is_dropped(
    tmp_path, make_member, media_root
):
    job = an_export_file(make_member)
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

    result = backup(tmp_path, MEDIA_ROOT=str(media_root))
    assert result.returncode == 0, result.stderr
    archive = Path(result.stdout.strip())
    assert archive.parent == tmp_path and archive.name.startswith("bocage-") and archive.suffix == ".dump"
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    media_archive = archive.with_name(archive.name.replace(".dump", ".media.tar.gz"))
    assert oct(media_archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(media_archive) as tar:
        member = tar.extractfile(f"./{job.file.name}")
        assert member is not None and member.read() == b"JournalCode|JournalLib\n"

    out = io.StringIO()
    call_command("restore_drill", dump=str(archive), stdout=out)

    report = out.getvalue()
    assert "OK     pg_restore" in report
    assert "OK     migrate --check" in report
    assert "OK     verify_ledger" in report
    assert f"Transactions: {Transaction.objects.count()} " in report
    assert "(pending holds: 1)" in report
    assert "OK: the ledger verifies." in report
    assert "OK     media" in report
    assert "1 file(s) restored; 1 of 1 named by the database found" in report
    assert "Restore drill passed" in report
    assert scratch_databases() == before


def test_a_media_archive_missing_a_file_the_database_names_fails_the_drill(tmp_path, make_member, media_root):
    job = an_export_file(make_member)
    archive = Path(backup(tmp_path, MEDIA_ROOT=str(media_root)).stdout.strip())
    media_archive = archive.with_name(archive.name.replace(".dump", ".media.tar.gz"))
    (media_root / job.file.name).unlink()
    with tarfile.open(media_archive, "w:gz") as tar:  # the files were lost before the backup
        tar.add(media_root, arcname=".")
    out = io.StringIO()

    with pytest.raises(CommandError, match="restore drill failed at media"):
        call_command("restore_drill", dump=str(archive), stdout=out)

    assert "FAILED media" in out.getvalue()
    assert f"missing: {job.file.name}" in out.getvalue()


def test_a_backup_whose_media_root_does_not_exist_is_refused(tmp_path):
    result = backup(tmp_path, MEDIA_ROOT=str(tmp_path / "nowhere"))

    assert result.returncode == 2
    assert "MEDIA_ROOT" in result.stderr and "is not a directory" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_an_archive_is_refused_before_any_database_is_created(tmp_path):
    bogus = tmp_path / "bocage-bogus.dump"
    bogus.write_bytes(b"this is not a pg_dump archive")
    before = scratch_databases()

    with pytest.raises(CommandError, match="not a readable pg_dump archive"):
        call_command("restore_drill", dump=str(bogus), no_media=True, stdout=io.StringIO())

    assert scratch_databases() == before


def test_backups_past_the_retention_are_removed_and_recent_ones_kept(tmp_path):
    old = tmp_path / "bocage-20000101T000000Z.dump"
    old_media = tmp_path / "bocage-20000101T000000Z.media.tar.gz"
    recent = tmp_path / "bocage-20990101T000000Z.dump"
    unrelated = tmp_path / "notes.txt"
    for path in (old, old_media, recent, unrelated):
        path.write_text("x")
    month_ago = time.time() - 30 * 86400
    for path in (old, old_media, unrelated):
        os.utime(path, (month_ago, month_ago))

    result = backup(tmp_path, BACKUP_RETENTION_DAYS="7")

    assert result.returncode == 0, result.stderr
    assert not old.exists() and not old_media.exists()
    assert recent.exists() and unrelated.exists()
    assert Path(result.stdout.strip()).exists()
    assert f"removed old archive {old}" in result.stderr
    assert not list(tmp_path.glob("*.partial"))
