"""Building a member's personal data export (RGPD): a ZIP of every registered section, in JSON and
French CSV, with a LISEZMOI.txt/README saying what each file is.

`members.services.personal_data_export_request` records the export and queues
`members.tasks.run_personal_data_export` once it commits; `personal_data_export_run` builds the ZIP
section by section, moving `progress_done/progress_total`, writes the file only at the end and
marks the export done (or failed, with the reason) — like ledger.exports.

Safe to run twice: an export already done is left alone; one whose worker died half-way (left
`running`) restarts from scratch; two runs racing both build a ZIP and the first to finish keeps its
file. `personal_data_exports_expire` deletes the files past their date (the row stays, done, with
no file) and builds the exports whose task never reached a worker.
"""

from __future__ import annotations

import datetime
import decimal
import json
import logging
import os
import secrets
import tempfile
import zipfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.csv import FRENCH, csv_text

from .models import PersonalDataExport
from .personal_data import Section, plain, sections

logger = logging.getLogger(__name__)


def _claim(export_id: int) -> PersonalDataExport | None:
    """Mark the export running from scratch; None if it is done already (or gone)."""
    with transaction.atomic():
        export = PersonalDataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status == PersonalDataExport.Status.DONE:
            return None
        export.status = PersonalDataExport.Status.RUNNING
        export.progress_done = 0
        export.progress_total = len(sections())
        export.error = ""
        export.save(update_fields=["status", "progress_done", "progress_total", "error"])
        return export


def _readme(export: PersonalDataExport, written: list[tuple[Section, int]]) -> str:
    now = timezone.localtime()
    lines = [
        "Bocage — vos données personnelles / your personal data",
        "",
        f"Membre / member: n° {export.member_id}",
        f"Date: {now:%Y-%m-%d %H:%M}",
        "",
        "Français",
        "--------",
        "Ce fichier contient tout ce que Bocage conserve à votre sujet. Chaque rubrique est en deux",
        "fichiers : <rubrique>.json (UTF-8, dates ISO 8601, montants en décimales dans leur unité, avec",
        "le code de l’unité) et <rubrique>.csv (pour un tableur en français : « ; » entre les colonnes,",
        "virgule décimale, UTF-8 avec BOM). Les identifiants (…_id) renvoient aux autres fichiers.",
        "Aucun secret n’est exporté (mot de passe, clés des jetons, codes du second facteur).",
        "",
        "English",
        "-------",
        "This archive holds everything Bocage keeps about you. Each section is two files:",
        "<section>.json (UTF-8, ISO 8601 dates, amounts as decimals in their unit, with the unit code)",
        "and <section>.csv (for a French spreadsheet: ';' between columns, decimal comma, UTF-8 with a",
        "BOM). Ids (…_id) refer to rows of the other files. No secret is exported (password, token",
        "keys, second-factor codes).",
        "",
        "Fichiers / files:",
    ]
    for section, count in written:
        with override("fr"):
            french = str(section.label)
        with override("en"):
            english = str(section.label)
        lines.append(f"- {section.key}.json, {section.key}.csv: {french} / {english} ({count})")
    return "\n".join(lines) + "\n"


def _build(export: PersonalDataExport, path: str) -> None:
    member = export.member
    written: list[tuple[Section, int]] = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, section in enumerate(sections(), start=1):
            records = list(section.records(member))
            columns = list(dict.fromkeys(name for record in records for name in record)) or section.columns()
            archive.writestr(
                f"{section.key}.json",
                json.dumps([plain(record) for record in records], ensure_ascii=False, indent=2) + "\n",
            )
            archive.writestr(
                f"{section.key}.csv",
                csv_text(FRENCH, columns, ([_csv_cell(record.get(name)) for name in columns] for record in records)),
            )
            if section.files is not None:
                for name, content in section.files(member):
                    archive.writestr(f"{section.key}/{name}", content)
            written.append((section, len(records)))
            PersonalDataExport.objects.filter(pk=export.pk, status=PersonalDataExport.Status.RUNNING).update(
                progress_done=done
            )
        archive.writestr("LISEZMOI.txt", _readme(export, written))


def _csv_cell(value: object) -> object:
    """A value as a spreadsheet cell: numbers, dates and texts as core.csv writes them; lists and
    dicts as their JSON text; anything else (a UUID, a lazy text) as text."""
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(plain(value), ensure_ascii=False)
    if value is None or isinstance(value, (str, int, float, decimal.Decimal, datetime.date)):
        return value
    return str(value)


def personal_data_export_run(*, export_id: int) -> PersonalDataExport | None:
    """Build the export's ZIP and store it; an export already done is returned untouched."""
    export = _claim(export_id)
    if export is None:
        return PersonalDataExport.objects.filter(pk=export_id).first()
    handle, path = tempfile.mkstemp(prefix=f"bocage-personal-data-{export.pk}-", suffix=".zip")
    os.close(handle)
    try:
        try:
            with override(settings.LANGUAGE_CODE):
                _build(export, path)
        except Exception as exc:
            # The reason is the exception's type only: its text could quote personal data.
            logger.exception("personal data export %s failed", export.pk)
            PersonalDataExport.objects.filter(pk=export.pk).exclude(status=PersonalDataExport.Status.DONE).update(
                status=PersonalDataExport.Status.FAILED,
                error=_("The export failed (%(error)s).") % {"error": type(exc).__name__},
                finished_at=timezone.now(),
            )
            return PersonalDataExport.objects.get(pk=export.pk)
        with transaction.atomic():
            locked = PersonalDataExport.objects.select_for_update().get(pk=export.pk)
            if locked.status == PersonalDataExport.Status.DONE:  # a twin run finished first: keep its file
                return locked
            now = timezone.now()
            # Stored under a name nobody can guess (the download gives it a plain one).
            name = f"bocage-mes-donnees-{timezone.localtime(now):%Y%m%d}-{secrets.token_urlsafe(16)}.zip"
            with open(path, "rb") as built:
                locked.file.save(name, File(built), save=False)
            locked.status = PersonalDataExport.Status.DONE
            locked.progress_done = locked.progress_total = max(locked.progress_total, locked.progress_done)
            locked.error = ""
            locked.finished_at = now
            locked.expires_at = now + datetime.timedelta(days=settings.BOCAGE_PERSONAL_DATA_EXPORT_DAYS)
            locked.save()
            return locked
    finally:
        os.unlink(path)


def personal_data_exports_catch_up(*, older_than_seconds: int = 300) -> int:
    """Build the exports still queued after `older_than_seconds` (their task was never sent)."""
    stale_before = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    export_ids = list(
        PersonalDataExport.objects.filter(status=PersonalDataExport.Status.QUEUED, created_at__lt=stale_before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for export_id in export_ids:
        personal_data_export_run(export_id=export_id)
    return len(export_ids)


def personal_data_exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of the exports past their date (the row stays, done, without a file)."""
    now = now or timezone.now()
    count = 0
    for export in PersonalDataExport.objects.filter(expires_at__lte=now).exclude(file=""):
        export.file.delete(save=False)
        PersonalDataExport.objects.filter(pk=export.pk).update(file="")
        count += 1
    return count
