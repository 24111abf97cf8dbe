"""Exports in Celery: queued on commit, built in chunks with progress, stored; never redone once done,
restarted from scratch after dying half-way."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from core.errors import InvalidInput, PermissionDenied
from ledger import fec
from ledger.export_requests import export_request
from ledger.exports import export_run
from ledger.models import ExportJob
from tests.conftest import account_of
from tests.currency.funding import give_ach
from tests.ledger.books_story import make_auditor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def eager_celery(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


def fec_now() -> str:
    out = io.StringIO()
    fec.fec_write(year=timezone.localdate().year, out=out)
    return out.getvalue()


def stored(job: ExportJob, encoding: str = "utf-8") -> str:
    with job.file.open("rb") as handle:
        return handle.read().decode(encoding)


def test_an_fec_export_runs_on_commit_and_stores_the_file_with_full_progress(
    make_member, django_user_model, eager_celery, django_capture_on_commit_callbacks
):
    auditor = make_auditor(django_user_model)
    for name in ("alice", "bruno", "chloe"):
        give_ach(make_member(username=name), "10")
    year = timezone.localdate().year

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = export_request(kind=ExportJob.Kind.FEC, parameters={"year": str(year)}, actor=auditor)
        assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.QUEUED  # nothing runs before COMMIT

    job.refresh_from_db()
    assert len(callbacks) == 1
    assert (job.status, job.progress_done, job.progress_total, job.parameters) == (
        "done",
        3,
        3,
        {"year": year, "entity": "association", "books": "statutory", "encoding": "iso-8859-15"},
    )
    assert job.file.name.endswith(f"FEC{year}1231.txt")
    assert stored(job, "iso-8859-15") == fec_now()
    assert job.finished_at is not None and job.requested_by == auditor


def test_a_job_already_done_is_not_redone(make_member, django_user_model):
    auditor = make_auditor(django_user_model)
    give_ach(make_member(username="alice"), "10")
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.FEC, parameters={"year": timezone.localdate().year}, requested_by=auditor
    )
    first = export_run(job_id=job.pk)
    assert first is not None and first.status == "done"
    give_ach(make_member(username="bruno"), "10")  # the books moved on since

    again = export_run(job_id=job.pk)

    assert again is not None
    assert (again.file.name, again.finished_at, again.progress_total) == (first.file.name, first.finished_at, 1)
    assert stored(again, "iso-8859-15").count("\r\n") == 5  # the header and the first conversion's four lines


def test_a_job_that_died_half_way_is_restarted_from_scratch(make_member, django_user_model):
    auditor = make_auditor(django_user_model)
    for name in ("alice", "bruno"):
        give_ach(make_member(username=name), "10")
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.FEC,
        parameters={"year": timezone.localdate().year},
        requested_by=auditor,
        status=ExportJob.Status.RUNNING,
        progress_done=1,
        progress_total=7,
        error="worker lost",
    )

    done = export_run(job_id=job.pk)

    assert done is not None
    assert (done.status, done.progress_done, done.progress_total, done.error) == ("done", 2, 2, "")
    assert stored(done, "iso-8859-15") == fec_now()


def test_a_statement_export_writes_the_csv_of_the_range(make_member, django_user_model, settings):
    settings.LANGUAGE_CODE = "en"
    auditor = make_auditor(django_user_model)
    alice = make_member(username="alice")
    give_ach(alice, "12.5")
    today = timezone.localdate().isoformat()
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.STATEMENT_CSV,
        parameters={"account_id": account_of(alice, "ACH").pk, "date_from": today, "date_to": today},
        requested_by=auditor,
    )

    done = export_run(job_id=job.pk)

    assert done is not None and done.status == "done"
    lines = stored(done).split("\r\n")
    # The French file whatever the site's language, as every export (core.csv).
    assert lines[0] == "\ufeffDate;Opération;Type;Libellé;Débit;Crédit;Solde;Unité"
    assert lines[1] == f"{today};;;Solde d’ouverture;;;0,00;ACH"
    assert lines[2].endswith(";Change;test conversion;;12,50;12,50;ACH")
    assert lines[3] == f"{today};;;Solde de clôture;;;12,50;ACH"
    assert (done.progress_done, done.progress_total) == (1, 1)


def test_a_statement_pdf_export_stores_a_pdf(make_member, django_user_model):
    auditor = make_auditor(django_user_model)
    alice = make_member(username="alice")
    give_ach(alice, "3")
    today = timezone.localdate().isoformat()
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.STATEMENT_PDF,
        parameters={"account_id": account_of(alice, "ACH").pk, "date_from": today, "date_to": today},
        requested_by=auditor,
    )

    done = export_run(job_id=job.pk)

    assert done is not None and done.status == "done" and done.file.name.endswith(".pdf")
    with done.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_an_export_that_cannot_be_built_is_marked_failed_with_the_reason(django_user_model):
    auditor = make_auditor(django_user_model)
    job = ExportJob.objects.create(kind=ExportJob.Kind.AUDIT_LOG, parameters={}, requested_by=auditor)

    failed = export_run(job_id=job.pk)

    assert failed is not None
    assert (failed.status, failed.error, bool(failed.file)) == (
        "failed",
        "no builder for exports of kind 'audit_log'",
        False,
    )
    assert failed.finished_at is not None


def test_only_auditors_and_staff_may_ask_for_an_export_and_parameters_are_checked(make_member, django_user_model):
    member = make_member(username="alice")

    with pytest.raises(PermissionDenied):
        export_request(kind=ExportJob.Kind.FEC, parameters={"year": 2026}, actor=member.user)
    with pytest.raises(PermissionDenied):
        export_request(kind=ExportJob.Kind.FEC, parameters={"year": 2026}, actor=None)
    auditor = make_auditor(django_user_model)
    refusals = [
        (ExportJob.Kind.FEC, {"year": "l'an dernier"}, "year"),
        (ExportJob.Kind.FEC, {"year": 1999}, "year"),
        (
            ExportJob.Kind.STATEMENT_CSV,
            {"account_id": 999999, "date_from": "2026-01-01", "date_to": "2026-01-31"},
            "account_id",
        ),
        (
            ExportJob.Kind.STATEMENT_PDF,
            {"account_id": account_of(member, "ACH").pk, "date_from": "2026-02-01", "date_to": "2026-01-31"},
            "date_to",
        ),
        (ExportJob.Kind.STATEMENT_PDF, {"account_id": account_of(member, "ACH").pk, "date_from": "hier"}, "date_from"),
        ("everything", {}, "kind"),
    ]
    for kind, parameters, field in refusals:
        with pytest.raises(InvalidInput) as refused:
            export_request(kind=kind, parameters=parameters, actor=auditor)
        assert field in (refused.value.fields or {}), (kind, parameters)
    assert ExportJob.objects.count() == 0


def test_an_auditor_verifies_the_ledger_in_the_background_and_gets_the_report(
    make_member, django_user_model, eager_celery, django_capture_on_commit_callbacks
):
    auditor = make_auditor(django_user_model)
    give_ach(make_member(username="alice"), "10")
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(kind=ExportJob.Kind.VERIFICATION, parameters={"ignored": 1}, actor=auditor)
    job.refresh_from_db()
    assert (job.status, job.parameters, job.progress_done, job.progress_total) == ("done", {}, 1, 1)
    report = stored(job)
    assert report.startswith("Transactions: 1 (0 sealed, 1 recent not yet sealed)\n")
    assert "OK: the ledger verifies." in report
    assert job.file.name.split("/")[-1].startswith("verification-")
