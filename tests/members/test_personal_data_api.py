"""The personal data export's API (a contract): POST /api/members/me/exports/ → 202 {"id", "status"};
GET /api/members/me/exports/{id}/ → {"id", "status", "download_url"}; the download is a ZIP."""

from __future__ import annotations

import io
import zipfile

import pytest
from rest_framework.test import APIClient

from members.models import PersonalDataExport
from members.personal_data_exports import personal_data_export_run, personal_data_exports_expire
from tests.conftest import PASSWORD, api_client_for

pytestmark = pytest.mark.django_db

EXPORTS = "/api/members/me/exports/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_post_answers_202_with_the_id_and_status_and_asking_again_while_queued_gives_the_same(make_member):
    alice = make_member(username="alice")
    client = api_client_for(alice.user)

    first = client.post(EXPORTS)
    second = client.post(EXPORTS)

    export = PersonalDataExport.objects.get(member=alice)
    assert (first.status_code, first.json()) == (202, {"id": export.pk, "status": "queued"})
    assert (second.status_code, second.json()) == (202, {"id": export.pk, "status": "queued"})
    assert PersonalDataExport.objects.count() == 1


def test_get_shows_the_status_then_the_absolute_download_url_of_a_zip_and_null_once_expired(make_member):
    alice = make_member(username="alice", display_name="Alice")
    client = api_client_for(alice.user)
    export_id = client.post(EXPORTS).json()["id"]

    queued = client.get(f"{EXPORTS}{export_id}/")
    assert (queued.status_code, queued.json()) == (200, {"id": export_id, "status": "queued", "download_url": None})

    personal_data_export_run(export_id=export_id)
    done = client.get(f"{EXPORTS}{export_id}/").json()
    assert done == {
        "id": export_id,
        "status": "done",
        "download_url": f"http://testserver/me/data/{export_id}/download/",
    }
    pages = APIClient()
    pages.login(username="alice", password=PASSWORD)
    download = pages.get(done["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "LISEZMOI.txt" in archive.namelist()

    personal_data_exports_expire(now=PersonalDataExport.objects.get(pk=export_id).expires_at)
    expired = client.get(f"{EXPORTS}{export_id}/").json()
    assert expired == {"id": export_id, "status": "done", "download_url": None}


def test_another_members_export_is_404_and_nothing_changes(make_member):
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    export_id = api_client_for(alice.user).post(EXPORTS).json()["id"]

    response = api_client_for(bruno.user).get(f"{EXPORTS}{export_id}/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api_client_for(alice.user).get(f"{EXPORTS}{export_id + 1000}/").status_code == 404
    assert PersonalDataExport.objects.filter(member=bruno).count() == 0


def test_anonymous_is_refused(make_member):
    alice = make_member(username="alice")
    export = PersonalDataExport.objects.create(member=alice)
    assert api_client_for(None).post(EXPORTS).status_code in (401, 403)
    assert api_client_for(None).get(f"{EXPORTS}{export.pk}/").status_code in (401, 403)
    assert PersonalDataExport.objects.count() == 1


def test_a_user_who_is_no_member_gets_a_code_not_a_server_error(staff_user):
    client = api_client_for(staff_user)

    asked = client.post(EXPORTS)
    read = client.get(f"{EXPORTS}1/")

    assert (asked.status_code, asked.json()["code"]) == (403, "not_a_member")
    assert (read.status_code, read.json()["code"]) == (403, "not_a_member")
    assert PersonalDataExport.objects.count() == 0


def test_the_routes_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert set(schema["paths"]["/api/members/me/exports/"]) >= {"post"}
    detail = schema["paths"]["/api/members/me/exports/{id}/"]["get"]
    properties = schema["components"]["schemas"]["PersonalDataExport"]["properties"]
    assert set(properties) == {"id", "status", "download_url"}
    assert "200" in detail["responses"]
