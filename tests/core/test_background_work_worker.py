"""A real `celery worker` process: while it runs /readyz is 200 and no page warns; stopped (its
heartbeat aged past the window), /readyz is 503 naming `worker` and the exports page and the
admin say background work is stopped; started again, both clear.

The broker is a private Redis on both databases (the worker opens the test run's SQLite file or
PostgreSQL database): the embedded SQL broker is not what this proves.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import WorkerHeartbeat
from ledger.models import ExportJob
from tests.ledger.books_story import make_auditor
from tests.proofs import faults
from tests.proofs.faults import REDIS_SERVER, PrivateRedis, Sender, Worker, wait_until

pytestmark = [
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server to run a private broker"),
    pytest.mark.django_db(transaction=True),
]

BANNER = 'data-testid="background-work-stopped"'


def worker_database_url() -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{connection.settings_dict['NAME']}"
    return faults.test_database_url()


def last_seen():
    return WorkerHeartbeat.objects.values_list("seen_at", flat=True).first()


def queued_export(auditor) -> int:
    return ExportJob.objects.create(kind=ExportJob.Kind.FEC, parameters={"year": 2025}, requested_by=auditor).pk


def age_the_heartbeat(settings) -> None:
    """As if the worker stopped longer ago than the window: no fixed sleep."""
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=settings.BOCAGE_WORKER_STALE_SECONDS + 1))


def test_readyz_and_the_pages_follow_a_real_worker_that_is_stopped_and_started_again(
    client, settings, django_user_model
):
    auditor = make_auditor(django_user_model)
    admin = django_user_model.objects.create_superuser(username="root", password="x")
    job = queued_export(auditor)
    pages = Client(HTTP_ACCEPT_LANGUAGE="fr")

    def banners() -> list[bool]:
        pages.force_login(auditor)
        exports = pages.get(reverse("audit-export", args=[job])).content.decode()
        pages.force_login(admin)
        admin_index = pages.get(reverse("admin:index")).content.decode()
        return [BANNER in exports, BANNER in admin_index]

    redis = PrivateRedis().start()
    worker = Worker(redis.url, DATABASE_URL=worker_database_url())
    try:
        worker.start()
        assert wait_until(lambda: last_seen() is not None, 60), worker.output()[-3000:]
        running = client.get("/readyz")
        assert running.status_code == 200, running.content
        assert running.json()["checks"]["worker"] == "ok"
        assert banners() == [False, False]

        worker.stop()
        age_the_heartbeat(settings)
        stopped_at = last_seen()
        stopped = client.get("/readyz")
        assert stopped.status_code == 503
        assert stopped.json()["checks"]["worker"] == f"stopped since {stopped_at:%Y-%m-%dT%H:%M:%SZ}"
        assert banners() == [True, True]

        worker.start()
        assert wait_until(lambda: last_seen() > stopped_at, 60), worker.output()[-3000:]
        assert client.get("/readyz").status_code == 200
        assert banners() == [False, False]

        # The beat's task, consumed by the running worker, stamps too (not only its start-up).
        age_the_heartbeat(settings)
        aged = last_seen()
        sender = Sender(redis.url)
        try:
            sender.send("config.tasks.worker_heartbeat")
        finally:
            sender.close()
        assert wait_until(lambda: last_seen() > aged, 60), worker.output()[-3000:]
        assert client.get("/readyz").status_code == 200
    finally:
        worker.kill()
        redis.kill()

    assert "Traceback" not in worker.output()
