"""Exports made in the background (Celery): an FEC for a fiscal year, an account statement (CSV, PDF).

`ledger.export_requests.export_request` records an ExportJob and queues `ledger.tasks.run_export`
once it commits (from a module of its own: the task runs this one, which never imports the tasks);
`export_run` builds the file in chunks, moving `progress_done/progress_total` as it goes (the job's
page shows them), stores the file and marks the job done — or failed, with the reason.

Safe to run twice: a job already done is left alone. A worker that died half-way left the job
`running` with a partial temporary file that was never stored; running it again starts from
scratch. Two runs racing both build a file, and the first to finish wins: the second sees the job
done under the row lock and throws its file away.
"""

from __future__ import annotations

import datetime
import logging
import os
import tempfile
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.errors import InvalidInput

from . import books, fec
from .models import Account, ExportJob
from .selectors import can_read_everything
from .verification import verify_ledger

logger = logging.getLogger(__name__)

STATEMENT_KINDS = {ExportJob.Kind.STATEMENT_CSV, ExportJob.Kind.STATEMENT_PDF}
REQUESTABLE_KINDS = {ExportJob.Kind.FEC, ExportJob.Kind.VERIFICATION, *STATEMENT_KINDS}


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(fields={"year": [_("Enter a year, such as 2026.")]}) from None
    if not 2000 <= year <= 2100:
        raise InvalidInput(fields={"year": [_("Enter a year between 2000 and 2100.")]})
    return year


def _day(value: Any, name: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(fields={name: [_("Enter a date as YYYY-MM-DD.")]}) from None


BOOKS_STATUTORY, BOOKS_NON_STATUTORY = "statutory", "non_statutory"
FEC_BOOKS = (BOOKS_STATUTORY, BOOKS_NON_STATUTORY)


def _fec_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """Year, entity (the association or a cooperative's SIREN), statutory or not, encoding; a job
    stored before the last three existed reads as the association's statutory FEC in ISO-8859-15."""
    year = _year(parameters.get("year"))
    entity = str(parameters.get("entity") or fec.ASSOCIATION).strip()
    if entity not in {key for key, _name in fec.fec_entities()}:
        raise InvalidInput(fields={"entity": [_("No such legal entity: the association or a cooperative's SIREN.")]})
    books = str(parameters.get("books") or BOOKS_STATUTORY)
    if books not in FEC_BOOKS:
        raise InvalidInput(fields={"books": [_("Choose the statutory books or the non-statutory ones.")]})
    if books == BOOKS_NON_STATUTORY and entity != fec.ASSOCIATION:
        raise InvalidInput(fields={"books": [_("Hours and SEL units are in the association's books only.")]})
    encoding = str(parameters.get("encoding") or fec.LATIN_9).lower()
    if encoding not in fec.ENCODINGS:
        raise InvalidInput(fields={"encoding": [_("Choose ISO-8859-15 or UTF-8.")]})
    return {"year": year, "entity": entity, "books": books, "encoding": encoding}


def fec_books_of(parameters: dict[str, Any]) -> fec.FecBooks:
    return fec.FecBooks(
        entity=parameters.get("entity") or fec.ASSOCIATION,
        statutory=parameters.get("books", BOOKS_STATUTORY) == BOOKS_STATUTORY,
    )


def export_parameters_clean(kind: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The job's parameters as stored (JSON), checked. Raises InvalidInput."""
    if kind == ExportJob.Kind.FEC:
        return _fec_parameters(parameters)
    if kind == ExportJob.Kind.VERIFICATION:
        return {}
    if kind in STATEMENT_KINDS:
        try:
            account_id = int(parameters.get("account_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            account_id = 0
        if not Account.objects.filter(pk=account_id).exists():
            raise InvalidInput(fields={"account_id": [_("No such account.")]})
        date_from = _day(parameters.get("date_from"), "date_from")
        date_to = _day(parameters.get("date_to"), "date_to")
        if date_from > date_to:
            raise InvalidInput(fields={"date_to": [_("The end date is before the start date.")]})
        return {"account_id": account_id, "date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    raise InvalidInput(fields={"kind": [_("Unknown export.")]})


def export_visible_to(user: Any, job_id: int) -> ExportJob | None:
    """A job for its requester or any auditor; None for anyone else."""
    job = ExportJob.objects.filter(pk=job_id).select_related("requested_by").first()
    if job is None or not user.is_authenticated:
        return None
    if job.requested_by_id == user.pk or can_read_everything(user):
        return job
    return None


def _claim(job_id: int) -> ExportJob | None:
    """Mark the job running from scratch; None if it is done already (or gone)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == ExportJob.Status.DONE:
            return None
        job.status = ExportJob.Status.RUNNING
        job.progress_done = job.progress_total = 0
        job.error = ""
        job.save(update_fields=["status", "progress_done", "progress_total", "error"])
        return job


def _progress_recorder(job_id: int) -> books.Progress:
    def record(done: int, total: int) -> None:
        # Outside any transaction: the job's page sees it at once.
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
            progress_done=min(done, total), progress_total=total
        )

    return record


def _statement(parameters: dict[str, Any]) -> books.Statement:
    return books.statement_for_range(
        account=Account.objects.select_related("holder").get(pk=parameters["account_id"]),
        date_from=datetime.date.fromisoformat(parameters["date_from"]),
        date_to=datetime.date.fromisoformat(parameters["date_to"]),
    )


def _build(job: ExportJob, path: str) -> str:
    """Write the job's file at `path`; returns the name to store it under."""
    progress = _progress_recorder(job.pk)
    parameters = job.parameters
    if job.kind == ExportJob.Kind.FEC:
        year, entity_books = int(parameters["year"]), fec_books_of(parameters)
        encoding = parameters.get("encoding", fec.LATIN_9)
        with open(path, "w", encoding=encoding, newline="") as out:
            fec.fec_write(year=year, out=out, books=entity_books, encoding=encoding, progress=progress)
        return fec.fec_filename(year, entity_books)
    if job.kind in STATEMENT_KINDS:
        statement = _statement(parameters)
        stem = f"statement-{statement.account.pk}-{statement.unit}-{parameters['date_from']}-{parameters['date_to']}"
        if job.kind == ExportJob.Kind.STATEMENT_CSV:
            with open(path, "w", encoding="utf-8", newline="") as out:
                books.statement_csv_write(statement, out, progress=progress)
            return f"{stem}.csv"
        with open(path, "wb") as binary:
            binary.write(books.statement_pdf(statement, progress=progress))
        return f"{stem}.pdf"
    if job.kind == ExportJob.Kind.VERIFICATION:
        # The verification reads one read-only snapshot (PostgreSQL): no progress can be written from
        # inside it, so the page shows the job running, then the figures of the report.
        report = verify_ledger()
        progress(report.transactions, report.transactions)
        with open(path, "w", encoding="utf-8") as out:
            out.write("\n".join(report.summary_lines()) + "\n")
            for discrepancy in report.discrepancies:
                out.write(f"- {discrepancy}\n")
        return f"verification-{timezone.localtime():%Y%m%d-%H%M%S}.txt"
    raise ValueError(f"no builder for exports of kind {job.kind!r}")


def export_run(*, job_id: int) -> ExportJob | None:
    """Build the job's file and store it; a job already done is returned untouched."""
    job = _claim(job_id)
    if job is None:
        return ExportJob.objects.filter(pk=job_id).first()
    handle, path = tempfile.mkstemp(prefix=f"bocage-export-{job.pk}-")
    os.close(handle)
    try:
        try:
            with override(settings.LANGUAGE_CODE):
                name = _build(job, path)
        except Exception as exc:
            logger.exception("export %s failed", job.pk)
            ExportJob.objects.filter(pk=job.pk).exclude(status=ExportJob.Status.DONE).update(
                status=ExportJob.Status.FAILED, error=str(exc)[:500], finished_at=timezone.now()
            )
            return ExportJob.objects.get(pk=job.pk)
        with transaction.atomic():
            locked = ExportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status == ExportJob.Status.DONE:  # a twin run finished first: keep its file
                return locked
            with open(path, "rb") as built:
                locked.file.save(name, File(built), save=False)
            locked.status = ExportJob.Status.DONE
            locked.progress_total = max(locked.progress_total, locked.progress_done)
            locked.progress_done = locked.progress_total
            locked.error = ""
            locked.finished_at = timezone.now()
            locked.save()
            return locked
    finally:
        os.unlink(path)


def exports_catch_up(*, older_than_seconds: int = 300) -> int:
    """Build the exports still queued after `older_than_seconds` (their task was never sent: the
    broker was down when they were asked for, or the message was lost); returns how many ran.
    Running one that a worker is about to start as well is harmless: the first to finish keeps its file.
    """
    stale_before = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    job_ids = list(
        ExportJob.objects.filter(status=ExportJob.Status.QUEUED, created_at__lt=stale_before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for job_id in job_ids:
        export_run(job_id=job_id)
    return len(job_ids)
