"""Readiness and the staff's pages tell the truth about background work: a worker's heartbeat.

A worker stamps one row as it starts and whenever it runs the beat's heartbeat task (each
minute); when no stamp is younger than BOCAGE_WORKER_STALE_SECONDS, /readyz answers 503 naming
`worker`, and the audit pages and the admin say since when background work is stopped, instead
of showing "queued" forever under a page reloading every two seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.heartbeat import background_work_status
from core.models import WorkerHeartbeat
from core.tasks import worker_heartbeat
from ledger.models import ExportJob
from tests.ledger.books_story import make_auditor

pytestmark = pytest.mark.django_db

LAST_SEEN = datetime(2025, 12, 6, 8, 10, tzinfo=UTC)  # 09:10 in Paris
STOPPED_FR = "Le travail en arrière-plan est arrêté depuis le 6 décembre 2025 09:10"
NEVER_FR = "Le travail en arrière-plan n’a jamais tourné"


def heartbeat_at(moment: datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(id=WorkerHeartbeat.SINGLETON_ID, defaults={"seen_at": moment})


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


@pytest.fixture
def auditor(django_user_model):
    return make_auditor(django_user_model)


@pytest.fixture
def queued_export(auditor) -> ExportJob:
    return ExportJob.objects.create(kind=ExportJob.Kind.FEC, parameters={"year": 2025}, requested_by=auditor)


def test_readyz_answers_503_naming_the_worker_when_no_worker_was_ever_seen(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "ok", "broker": "ok", "migrations": "ok", "worker": "never seen"},
    }


def test_readyz_answers_503_with_the_time_of_the_last_heartbeat_once_it_is_stale(client):
    heartbeat_at(LAST_SEEN)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "stopped since 2025-12-06T08:10:00Z"
    assert response.json()["checks"]["broker"] == "ok"


def test_a_heartbeat_inside_the_stale_window_is_ready_and_one_just_past_it_is_not(client, settings):
    settings.BOCAGE_WORKER_STALE_SECONDS = 120
    heartbeat_at(timezone.now() - timedelta(seconds=100))
    assert client.get("/readyz").status_code == 200

    heartbeat_at(timezone.now() - timedelta(seconds=121))
    assert client.get("/readyz").status_code == 503


def test_the_heartbeat_task_run_twice_keeps_one_row_with_the_later_stamp():
    heartbeat_at(LAST_SEEN)

    worker_heartbeat.apply()
    first = WorkerHeartbeat.objects.get().seen_at
    worker_heartbeat.apply()

    assert WorkerHeartbeat.objects.count() == 1
    assert WorkerHeartbeat.objects.get().seen_at >= first > LAST_SEEN
    assert background_work_status().stopped is False


def test_the_beat_sends_the_heartbeat_every_minute_and_the_window_defaults_to_five_minutes():
    assert django_settings.CELERY_BEAT_SCHEDULE["config-worker-heartbeat"] == {
        "task": "config.tasks.worker_heartbeat",
        "schedule": 60.0,
        "options": {"expires": 55},
    }
    assert django_settings.BOCAGE_WORKER_STALE_SECONDS == 300


def test_the_exports_page_says_background_work_is_stopped_and_a_queued_export_waits_for_it(auditor, queued_export):
    heartbeat_at(LAST_SEEN)
    client = logged_in(auditor)

    listing = client.get(reverse("audit-exports")).content.decode()
    detail = client.get(reverse("audit-export", args=[queued_export.pk])).content.decode()

    for page in (listing, detail):
        assert STOPPED_FR in page
        assert "En attente du travail en arrière-plan" in page
        assert '<td data-label="Statut">En attente</td>' not in page
    # It stops polling every two seconds: once a minute, until a worker is back (export-progress.js).
    assert "http-equiv" not in detail
    assert "data-export-running data-export-waiting>" in detail
    assert "cette page se met à jour une fois par minute" in detail
    assert ExportJob.objects.get().status == ExportJob.Status.QUEUED


def test_the_audit_pages_say_background_work_has_never_run_when_no_worker_ever_stamped(auditor):
    page = logged_in(auditor).get(reverse("audit-home")).content.decode()

    assert NEVER_FR in page


def test_the_admin_index_says_background_work_is_stopped_since_the_last_heartbeat(staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    heartbeat_at(LAST_SEEN)

    page = logged_in(staff_user).get(reverse("admin:index")).content.decode()

    assert STOPPED_FR in page
    assert 'class="warning" role="alert" data-testid="background-work-stopped"' in page


def test_with_a_worker_running_no_page_shows_the_banner_and_exports_reload_as_before(
    auditor, staff_user, queued_export, worker_seen
):
    staff_user.is_superuser = True
    staff_user.save()

    pages = [
        logged_in(auditor).get(reverse("audit-exports")).content.decode(),
        logged_in(auditor).get(reverse("audit-export", args=[queued_export.pk])).content.decode(),
        logged_in(staff_user).get(reverse("admin:index")).content.decode(),
    ]

    assert all("background-work-stopped" not in page for page in pages)
    assert '<td data-label="Statut">En attente</td>' in pages[0]
    assert "data-export-running>" in pages[1]  # polled every two seconds (export-progress.js)
