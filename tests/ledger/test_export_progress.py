"""An export's page follows its progress by polling a JSON status (static/js/export-progress.js),
not by a meta refresh: the status endpoint's exact answers in each state, and who may read it."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from ledger.models import ExportJob
from tests.ledger.books_story import make_auditor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def auditor(django_user_model):
    return make_auditor(django_user_model)


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def make_job(auditor, **fields) -> ExportJob:
    return ExportJob.objects.create(kind=ExportJob.Kind.FEC, parameters={"year": 2026}, requested_by=auditor, **fields)


def status_of(client: Client, job: ExportJob):
    return client.get(reverse("audit-export-status", args=[job.pk]))


def test_a_queued_export_with_a_worker_answers_queued(auditor, worker_seen):
    job = make_job(auditor)

    response = status_of(client_for(auditor), job)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]  # never cached: answers to a logged-in caller
    assert response.json() == {
        "id": job.pk,
        "status": "queued",
        "waiting": False,
        "progress_done": 0,
        "progress_total": 0,
        "percent": 0,
        "label": "Queued",
        "progress": "",
        "download_url": None,
        "file_name": "",
        "download_label": "",
        "error": "",
    }


def test_a_queued_export_with_no_worker_says_it_waits_for_the_background_work(auditor):
    job = make_job(auditor)

    state = status_of(client_for(auditor), job).json()

    assert (state["status"], state["waiting"], state["label"]) == ("queued", True, "Waiting for the background work")


def test_a_running_export_answers_its_progress_in_the_readers_language(auditor, worker_seen):
    job = make_job(auditor, status=ExportJob.Status.RUNNING, progress_done=250, progress_total=1000)

    english = status_of(client_for(auditor), job).json()
    french = status_of(client_for(auditor, "fr"), job).json()

    assert {key: english[key] for key in ("status", "waiting", "percent", "label", "progress", "download_url")} == {
        "status": "running",
        "waiting": False,
        "percent": 25,
        "label": "Running",
        "progress": "250 of 1000",
        "download_url": None,
    }
    assert (french["label"], french["progress"]) == ("En cours", "250 sur 1000")


def test_a_done_export_answers_its_download_link(auditor, worker_seen):
    job = make_job(auditor, status=ExportJob.Status.DONE, progress_done=1, progress_total=1)
    job.file.save("FEC20261231.txt", ContentFile(b"JournalCode\r\n"))

    state = status_of(client_for(auditor), job).json()

    assert state == {
        "id": job.pk,
        "status": "done",
        "waiting": False,
        "progress_done": 1,
        "progress_total": 1,
        "percent": 100,
        "label": "Ready",
        "progress": "1 of 1",
        "download_url": reverse("audit-export-download", args=[job.pk]),
        "file_name": "FEC20261231.txt",
        "download_label": "Download FEC20261231.txt",
        "error": "",
    }


def test_a_failed_export_answers_the_reason(auditor, worker_seen):
    job = make_job(auditor, status=ExportJob.Status.FAILED, error="No entries for 2026.")

    state = status_of(client_for(auditor), job).json()

    assert (state["status"], state["label"], state["error"], state["download_url"]) == (
        "failed",
        "Failed",
        "No entries for 2026.",
        None,
    )


def test_the_status_is_refused_to_a_member_and_to_a_visitor(auditor, make_member):
    job = make_job(auditor)
    url = reverse("audit-export-status", args=[job.pk])

    assert client_for(make_member(username="bruno").user).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert client_for(auditor).get(reverse("audit-export-status", args=[job.pk + 1])).status_code == 404


def test_the_export_page_has_no_meta_refresh_and_a_refresh_link_without_javascript(auditor, worker_seen):
    job = make_job(auditor, status=ExportJob.Status.RUNNING, progress_done=1, progress_total=4)

    page = client_for(auditor).get(reverse("audit-export", args=[job.pk])).content.decode()

    assert "http-equiv" not in page
    assert f'data-export-progress="{reverse("audit-export-status", args=[job.pk])}" data-export-running' in page
    assert f'<a href="{reverse("audit-export", args=[job.pk])}">Refresh</a>' in page
    assert 'src="/static/js/export-progress.js"' in page
    assert '<progress max="100" value="25"' in page
