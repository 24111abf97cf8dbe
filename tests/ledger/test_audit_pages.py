"""The auditors' pages and API: the books, statements, exports with progress; 404 (pages) or 403
(API) for everyone else; auditors ask for exports and change nothing else."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from ledger.models import Account, Entry, ExportJob, Transaction
from tests.conftest import account_of, api_client_for
from tests.currency.funding import give_ach
from tests.ledger.books_story import make_auditor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def eager_celery(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture
def auditor(django_user_model):
    return make_auditor(django_user_model)


@pytest.fixture
def alice(make_member):
    member = make_member(username="alice", display_name="Alice Martin")
    give_ach(member, "100")
    return member


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def ledger_counts() -> tuple[int, int, int]:
    return Transaction.objects.count(), Entry.objects.count(), Account.objects.count()


def page_urls(account_id: int, job_id: int) -> list[str]:
    return [
        reverse("audit-home"),
        reverse("audit-trial-balance"),
        reverse("audit-accounts"),
        reverse("audit-statement", args=[account_id]),
        reverse("audit-statement-csv", args=[account_id]),
        reverse("audit-statement-pdf", args=[account_id]),
        reverse("audit-exports"),
        reverse("audit-export", args=[job_id]),
        reverse("audit-export-download", args=[job_id]),
    ]


def test_members_get_404_on_every_audit_page_and_anonymous_visitors_are_sent_to_log_in(alice, auditor, make_member):
    job = ExportJob.objects.create(kind=ExportJob.Kind.FEC, parameters={"year": 2026}, requested_by=auditor)
    member = logged_in(make_member(username="bruno").user)
    for url in page_urls(account_of(alice, "ACH").pk, job.pk):
        assert member.get(url).status_code == 404, url
        assert Client().get(url).status_code == 302, url
    before = ledger_counts()
    assert member.post(reverse("audit-export-create"), {"kind": "fec", "year": 2026}).status_code == 404
    assert ExportJob.objects.count() == 1 and ledger_counts() == before


def test_auditors_and_staff_read_every_page(alice, auditor, staff_user):
    account = account_of(alice, "ACH")
    for user in (auditor, staff_user):
        client = logged_in(user)
        for url in page_urls(account.pk, 0)[:7]:
            response = client.get(url)
            assert response.status_code == 200, url
    home = logged_in(auditor).get(reverse("audit-home")).content.decode()
    for name in ("audit-trial-balance", "audit-accounts", "audit-exports"):
        assert f'href="{reverse(name)}"' in home


def test_the_trial_balance_page_shows_each_unit_summing_to_zero(alice, auditor):
    today = timezone.localdate().isoformat()

    page = logged_in(auditor).get(reverse("audit-trial-balance"), {"on": today}).content.decode()

    assert 'data-testid="debit-ACH">100.00 ACH<' in page
    assert 'data-testid="credit-ACH">100.00 ACH<' in page
    assert 'data-testid="total-ACH">0.00 ACH<' in page
    assert 'data-testid="total-EUR">0.00 EUR<' in page
    assert "Alice Martin" in page
    before = logged_in(auditor).get(reverse("audit-trial-balance"), {"on": "2000-01-01"}).content.decode()
    assert "Alice Martin" not in before


def test_an_auditor_finds_an_account_and_reads_its_statement_as_page_csv_and_pdf(alice, auditor):
    client = logged_in(auditor)
    account = account_of(alice, "ACH")
    found = client.get(reverse("audit-accounts"), {"q": "alice"}).content.decode()
    assert reverse("audit-statement", args=[account.pk]) in found
    today = timezone.localdate().isoformat()
    period = {"date_from": today, "date_to": today}

    page = client.get(reverse("audit-statement", args=[account.pk]), period).content.decode()
    csv_response = client.get(reverse("audit-statement-csv", args=[account.pk]), period)
    pdf_response = client.get(reverse("audit-statement-pdf", args=[account.pk]), period)

    assert 'data-testid="opening">0.00 ACH<' in page and 'data-testid="closing">100.00 ACH<' in page
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    csv_lines = csv_response.content.decode("utf-8").split("\r\n")
    assert csv_lines[0].startswith("\ufeffDate;Opération;")
    assert csv_lines[2].endswith(";;100,00;100,00;ACH")
    assert pdf_response["Content-Type"] == "application/pdf" and pdf_response.content.startswith(b"%PDF")
    assert client.get(reverse("audit-statement", args=[999999])).status_code == 404


def test_an_auditor_asks_for_an_fec_and_downloads_it_when_ready(
    alice, auditor, make_member, django_user_model, eager_celery, django_capture_on_commit_callbacks
):
    client = logged_in(auditor)
    year = timezone.localdate().year
    before = ledger_counts()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audit-export-create"), {"kind": "fec", "year": year})

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("audit-export", args=[job.pk])
    assert (job.status, job.requested_by, job.progress_done, job.progress_total) == ("done", auditor, 1, 1)
    page = client.get(reverse("audit-export", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert reverse("audit-export-download", args=[job.pk]) in page
    download = client.get(reverse("audit-export-download", args=[job.pk]))
    content = b"".join(download.streaming_content).decode("iso-8859-15")
    assert content.startswith("JournalCode\tJournalLib\t") and content.count("\r\n") == 5
    assert f"FEC{year}1231.txt" in download["Content-Disposition"]
    assert ledger_counts() == before  # asking for an export changes nothing in the books
    # Another auditor may download it too; a member may not even see it.
    assert logged_in(make_auditor(django_user_model, "second")).get(download.request["PATH_INFO"]).status_code == 200
    assert logged_in(make_member(username="bruno").user).get(reverse("audit-export", args=[job.pk])).status_code == 404


def test_a_running_export_page_polls_its_progress_and_shows_it(auditor, worker_seen):
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.FEC,
        parameters={"year": 2026},
        requested_by=auditor,
        status=ExportJob.Status.RUNNING,
        progress_done=250,
        progress_total=1000,
    )

    page = logged_in(auditor).get(reverse("audit-export", args=[job.pk])).content.decode()

    # No meta refresh: static/js/export-progress.js polls the status endpoint (tests/ledger/test_export_progress.py).
    assert 'http-equiv="refresh"' not in page and "js/export-progress" in page
    assert '<progress max="100" value="25"' in page
    assert "250 of 1000" in page
    assert reverse("audit-export-download", args=[job.pk]) not in page
    assert logged_in(auditor).get(reverse("audit-export-download", args=[job.pk])).status_code == 404


def test_a_refused_export_request_says_why_and_queues_nothing(auditor):
    client = logged_in(auditor)

    response = client.post(reverse("audit-export-create"), {"kind": "fec", "year": "1066"}, follow=True)

    assert "Enter a year between 2000 and 2100." in response.content.decode()
    assert ExportJob.objects.count() == 0
    assert client.get(reverse("audit-export-create")).status_code == 405


def test_a_statement_export_is_queued_from_the_statement_page(
    alice, auditor, eager_celery, django_capture_on_commit_callbacks
):
    account = account_of(alice, "ACH")
    today = timezone.localdate().isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(auditor).post(
            reverse("audit-export-create"),
            {"kind": "statement_pdf", "account_id": account.pk, "date_from": today, "date_to": today},
        )

    job = ExportJob.objects.get()
    assert (job.kind, job.status, job.parameters) == (
        "statement_pdf",
        "done",
        {"account_id": account.pk, "date_from": today, "date_to": today},
    )


# --- API ----------------------------------------------------------------------------------------


def test_the_api_trial_balance_at_a_date(alice, auditor):
    response = api_client_for(auditor).get("/api/audit/trial-balance/", {"on": timezone.localdate().isoformat()})

    assert response.status_code == 200
    units = {unit["unit"]: unit for unit in response.json()["units"]}
    assert (units["ACH"]["debit_total"], units["ACH"]["credit_total"], units["ACH"]["total"]) == (
        "100.00",
        "100.00",
        "0.00",
    )
    mine = next(line for line in units["ACH"]["accounts"] if line["holder"] == alice.pk)
    assert mine == {
        "id": account_of(alice, "ACH").pk,
        "label": "Alice Martin",
        "kind": "member",
        "system_code": "",
        "holder": alice.pk,
        "balance": "100.00",
    }
    assert api_client_for(auditor).get("/api/audit/trial-balance/", {"on": "hier"}).status_code == 400


def test_the_api_refuses_members_and_anonymous_callers(alice, auditor):
    job = ExportJob.objects.create(kind=ExportJob.Kind.FEC, parameters={"year": 2026}, requested_by=auditor)
    member = api_client_for(alice.user)
    assert member.get("/api/audit/trial-balance/").status_code == 403
    assert member.get("/api/audit/exports/").status_code == 403
    assert member.post("/api/audit/exports/", {"kind": "fec", "year": 2026}, format="json").status_code == 403
    assert member.get(f"/api/audit/exports/{job.pk}/").status_code == 404
    assert member.get(f"/api/audit/exports/{job.pk}/file/").status_code == 404
    assert api_client_for(None).get("/api/audit/trial-balance/").status_code == 401
    assert ExportJob.objects.count() == 1


def test_the_api_queues_an_export_reports_its_status_and_serves_the_file(
    alice, auditor, eager_celery, django_capture_on_commit_callbacks
):
    client = api_client_for(auditor)
    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/audit/exports/", {"kind": "fec", "year": year}, format="json")

    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    job_id = response.json()["id"]
    status = client.get(f"/api/audit/exports/{job_id}/").json()
    assert (status["status"], status["progress_done"], status["progress_total"]) == ("done", 1, 1)
    assert status["download_url"] == f"/api/audit/exports/{job_id}/file/"
    assert status["file_name"] == f"FEC{year}1231.txt"
    file_response = client.get(status["download_url"])
    assert b"".join(file_response.streaming_content).startswith(b"JournalCode\t")
    assert [job["id"] for job in client.get("/api/audit/exports/").json()] == [job_id]
    refused = client.post("/api/audit/exports/", {"kind": "fec"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid")
    assert ExportJob.objects.count() == 1


def test_an_auditor_picks_the_non_statutory_file_in_utf_8_on_the_exports_page(
    alice, auditor, eager_celery, django_capture_on_commit_callbacks
):
    client = logged_in(auditor)
    form = client.get(reverse("audit-exports")).content.decode()
    assert 'name="entity"' in form and 'value="association"' in form and 'value="non_statutory"' in form
    year = timezone.localdate().year
    asked = {"kind": "fec", "year": year, "entity": "association", "books": "non_statutory", "encoding": "utf-8"}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("audit-export-create"), asked)

    job = ExportJob.objects.get()
    assert (job.status, job.parameters) == (
        "done",
        {"year": year, "entity": "association", "books": "non_statutory", "encoding": "utf-8"},
    )
    assert job.file.name.endswith(f"NONSTATUTAIRE{year}1231.txt")
    assert 'data-testid="non-statutory"' in client.get(reverse("audit-export", args=[job.pk])).content.decode()
    refused = client.post(reverse("audit-export-create"), {**asked, "entity": "000000000"}, follow=True)
    assert "No such legal entity" in refused.content.decode() and ExportJob.objects.count() == 1
