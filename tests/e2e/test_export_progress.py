"""An export's page follows its progress without reloading (static/js/export-progress.js polls the
status endpoint): the bar and the live region move, then the download link appears."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import Client

from ledger.models import ExportJob
from tests.factories import auditor_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_export_page_shows_the_progress_then_the_download_link_without_a_reload(
    page, live_server, settings, tmp_path, worker_seen
):
    settings.BOCAGE_OTP_REQUIRED = False
    settings.MEDIA_ROOT = tmp_path
    auditor = auditor_user()
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.FEC, parameters={"year": 2026}, requested_by=auditor, status="running", progress_total=4
    )
    client = Client()
    client.force_login(auditor)
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])

    page.goto(f"{live_server.url}/audit/exports/{job.pk}/")
    page.evaluate("window.notReloaded = true")
    assert page.locator("[data-export-refresh]").is_hidden()  # JavaScript polls: no Refresh link needed
    assert page.locator("[data-export-download]").is_hidden()

    ExportJob.objects.filter(pk=job.pk).update(progress_done=2)
    page.wait_for_function("() => document.querySelector('progress').value === 50")
    assert "2 sur 4" in page.inner_text("[data-testid=export-status]")

    job.refresh_from_db()
    job.file.save("FEC20261231.txt", ContentFile(b"JournalCode\r\n"), save=False)
    ExportJob.objects.filter(pk=job.pk).update(status="done", progress_done=4, file=job.file.name)
    page.wait_for_selector("[data-export-download] a[href$='/download/']")

    assert page.inner_text("[data-export-download]") == "Télécharger FEC20261231.txt"
    assert page.inner_text("[data-testid=export-status] strong") == "Prêt"
    assert page.evaluate("window.notReloaded") is True  # the same page all along
