"""A member's personal data export (RGPD, right of access).

1. The model walk: every model of the project with a field pointing at a member or a user is
   exported by a registered section, or exempted with a reason; a model added later without either
   fails here, named. Every section erases its rows when the member leaves, or says why they stay.
2. Planted values: the access matrix's world (two members with the same estate, each marked in every
   text field it has) plus the rows it lacks; A's ZIP holds a row in every section, every marker of
   A's, none of B's, no secret; the JSON parses, the CSV is French (BOM, `;`, decimal comma).
3. The request, the task and the expiry: asking twice while queued gives one export, audited; the
   task run twice builds one file; a run that died restarts; the expiry deletes the file only.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.celery import app as celery_app
from core.errors import PermissionDenied
from core.models import AuditEvent, NotificationPreference
from crowdfunding.models import UpdateDelivery
from crowdfunding.services.updates import campaign_update_post
from exchange.models import Review
from ledger.models import ExportJob
from members import personal_data
from members.models import Member, PersonalDataExport, UserSession
from members.personal_data_exports import (
    personal_data_export_run,
    personal_data_exports_catch_up,
    personal_data_exports_expire,
)
from members.services import api_token_create, member_update, personal_data_export_request
from membership.models import Application, PendingSignup
from membership.services import membership_renew
from membership.signup import consents_record, current_documents
from places.calendar import calendar_feed_renew
from places.models import PassOffer, PlaceManager, Plan, Qualification
from places.services import qualification_grant
from places.services.carnets import carnet_buy
from places.services.plans import plan_subscribe
from tests.conftest import PASSWORD
from tests.places.booking_setup import make_place
from tests.proofs.test_access_matrix import world  # noqa: F401  (the fixture: two members' whole estates)

ROOT = Path(settings.BASE_DIR).resolve()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- 1. the model walk ------------------------------------------------------------------------


def project_models() -> list[type]:
    """The models of the project's own apps (not Django's nor a library's)."""
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if ROOT in path.parents and ".venv" not in path.parts and "site-packages" not in path.parts:
            found.extend(config.get_models())
    return found


def people_fields(model: type) -> list[str]:
    """The model's own fields (FK, one-to-one, many-to-many) that point at a member or a user."""
    targets = {Member, get_user_model()}
    return [
        field.name
        for field in model._meta.get_fields()
        if field.is_relation and not field.auto_created and field.related_model in targets
    ]


def test_every_model_referring_to_a_member_or_a_user_is_exported_or_exempted_with_a_reason():
    covered, exempted = personal_data.covered_models(), personal_data.exemptions()
    walked = [model for model in project_models() if people_fields(model)]
    assert len(walked) >= 30  # the walk sees the project's models (members, ledger, every domain app)
    missing = [
        f"{model._meta.label} (fields {', '.join(people_fields(model))})"
        for model in walked
        if model not in covered and model not in exempted
    ]
    assert missing == [], (
        "models that refer to a member or a user but are not in the personal data export: register a "
        "Section in the app's personal_data.py (or members.personal_data.exempt(model, reason)): " + "; ".join(missing)
    )
    assert all(reason.strip() for reason in exempted.values())
    assert not covered & set(exempted), "a model is both exported and exempted"


def test_sections_have_unique_keys_and_never_export_a_secret():
    sections = personal_data.sections()
    keys = [section.key for section in sections]
    assert len(keys) == len(set(keys))
    for section in sections:
        assert not set(section.columns()) & personal_data.SECRET_FIELDS, section.key
    by_key = {section.key: section for section in sections}
    # The member's row: every concrete field (a field added later is exported), minus the derived search key.
    member_fields = {field.name for field in Member._meta.concrete_fields} - {"search_key"}
    assert set(by_key["members/member"].columns()) == member_fields
    assert "digest" not in by_key["members/api_tokens"].columns()
    assert "key" not in by_key["members/otp_authenticators"].columns()


def test_every_section_erases_its_rows_on_leaving_or_says_why_they_stay():
    # A model added later with a member's free text cannot be left out of the erasure unnoticed.
    silent = [
        section.key for section in personal_data.sections() if section.erase is None and not section.keeps.strip()
    ]
    assert silent == [], (
        "sections with neither an erase (members.erasure, on leaving) nor a reason in `keeps`: " + ", ".join(silent)
    )
    assert not [section.key for section in personal_data.sections() if section.erase and section.keeps]


def test_registering_a_section_twice_changes_nothing():
    before = personal_data.sections()
    personal_data.register(*before)
    assert personal_data.sections() == before


# --- 2. planted values ------------------------------------------------------------------------


def plant_the_rest(estate, world) -> None:  # noqa: F811
    """The rows the access matrix's estate lacks, each with the marker where the model has text."""
    member, marker = estate.member, estate.marker
    user = member.user
    member_update(member=member, actor=user, address=f"{marker} address, 85150 Les Achards", phone="0251000000")
    user.email = f"{marker.lower()}@example.org"
    user.save(update_fields=["email"])
    api_token_create(user=user, device=f"{marker} phone", actor=user)
    TOTPDevice.objects.create(user=user, name=f"{marker} authenticator", confirmed=True)
    StaticDevice.objects.create(user=user, name=f"{marker} backup codes", confirmed=True)
    UserSession.objects.create(user=user, session_key=f"{marker.lower()}-session"[:40], device=f"{marker} Firefox")
    NotificationPreference.objects.create(user=user, kind="exchange_proposed", email=False)
    membership_renew(member=member, unit="ACH", actor=user)
    world.comptoir.staff.add(user)
    exchange = estate.objects["exchange"]
    Review.objects.create(exchange=exchange, author=member, subject=world.celeste, rating=5, comment=f"{marker} review")
    # News of Céleste's campaign that member backs, delivered to them.
    pledged = estate.objects["pledged_campaign"]
    news = campaign_update_post(campaign=pledged, title="Céleste's news", body="Merci !", actor=world.celeste.user)
    UpdateDelivery.objects.create(update=news, member=member)
    ExportJob.objects.create(kind=ExportJob.Kind.FEC, parameters={"note": f"{marker} export job"}, requested_by=user)
    # Joined online: the documents accepted, the sign-up confirmed, the application decided.
    consents_record(user=user, documents=current_documents())
    PendingSignup.objects.create(
        email=user.email,
        kind=member.kind,
        display_name=f"{marker} sign-up",
        digest=f"{marker}-digest",
        expires_at=timezone.now(),
        confirmed_at=timezone.now(),
        user=user,
    )
    Application.objects.create(member=member, status=Application.Status.APPROVED, reason=f"{marker} application")
    calendar_feed_renew(member=member, actor=user)  # a private calendar link (places): no text of theirs
    # A place of their own they manage, where they were trained on the laser cutter.
    place = make_place(f"{marker} tiers-lieu")
    PlaceManager.objects.create(place=place, member=member)
    laser = Qualification.objects.create(place=place, name="Découpe laser")
    qualification_grant(qualification=laser, member=member, actor=world.staff)
    # A plan of that place they subscribed to, and a carnet they bought there (places, issue 21).
    plan = Plan.objects.create(place=place, name=f"{marker} plan", unit="ACH", price=100)
    plan_subscribe(plan=plan, member=member, actor=user)
    offer = PassOffer.objects.create(
        place=place, name=f"{marker} carnet", unit="CRJ", quantity=100, price_unit="ACH", price=100
    )
    carnet_buy(offer=offer, member=member, actor=user)
    calendar_feed_renew(member=member, actor=user)  # a private calendar link (places): no text of theirs


# Where each marker was planted: the section, and the text.
PLANTED = {
    "members/member": "{m} address",
    "members/login": "{lower}@example.org",
    "members/api_tokens": "{m} phone",
    "members/otp_authenticators": "{m} authenticator",
    "members/otp_backup_codes": "{m} backup codes",
    "core/notifications": "{m} listing",  # Céleste's proposal on the listing names it
    "ledger/entries": "{m} transfer",
    "ledger/holds": "{m} hold",
    "ledger/export_jobs": "{m} export job",
    "currency/payment_requests": "{m} payment request",
    "timebank/services": "{m} service",
    "exchange/listings": "{m} listing",
    "exchange/messages": "{m} message",
    "exchange/reviews": "{m} review",
    "crowdfunding/campaigns": "{m} campaign",
    "crowdfunding/campaign_images": "{m} image",
    "crowdfunding/updates": "{m} news",
    "membership/consents": "2026-12",
    "membership/signups": "{m} sign-up",
    "membership/applications": "{m} application",
}


def zip_of(export: PersonalDataExport) -> zipfile.ZipFile:
    with export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_the_export_holds_a_row_of_every_section_every_planted_value_and_nothing_of_another_member(
    world,  # noqa: F811
):
    a, b = world.a, world.b
    plant_the_rest(a, world)
    plant_the_rest(b, world)
    export = a.objects["personal_data_export"]

    done = personal_data_export_run(export_id=export.pk)

    assert (done.status, done.error) == (PersonalDataExport.Status.DONE, "")
    sections = personal_data.sections()
    assert (done.progress_done, done.progress_total) == (len(sections), len(sections))
    archive = zip_of(done)
    names = set(archive.namelist())
    assert "LISEZMOI.txt" in names
    readme = archive.read("LISEZMOI.txt").decode("utf-8")
    assert "Français" in readme and "English" in readme and timezone.localdate().isoformat() in readme
    everything = []
    for section in sections:
        assert {f"{section.key}.json", f"{section.key}.csv"} <= names, section.key
        records = json.loads(archive.read(f"{section.key}.json").decode("utf-8"))
        assert len(records) >= 1, f"no row of A's in {section.key}"
        raw_csv = archive.read(f"{section.key}.csv").decode("utf-8")
        assert raw_csv.startswith("\ufeff"), section.key
        header = next(csv.reader(io.StringIO(raw_csv.removeprefix("\ufeff")), delimiter=";"))
        assert len(header) >= 2 and set(header) >= set(records[0]), section.key
        everything.append(json.dumps(records, ensure_ascii=False) + raw_csv)
        expected = PLANTED.get(section.key)
        if expected:
            planted = expected.format(m=a.marker, lower=a.marker.lower())
            assert planted in everything[-1], f"{planted!r} missing from {section.key}"
    text = "\n".join(everything)
    assert b.marker not in text and b.marker.lower() not in text
    assert "Basile" not in text  # B's name: nothing of B's
    # Secrets: no password hash, no token digest, no OTP key.
    assert a.member.user.password not in text
    assert all(token.digest not in text for token in a.member.user.api_tokens.all())
    assert TOTPDevice.objects.get(user=a.member.user).key not in text
    # The certificate of A's subscription, as a PDF beside the register's rows.
    certificates = [name for name in names if name.startswith("cooperative/share_movements/")]
    assert len(certificates) == 1 and archive.read(certificates[0]).startswith(b"%PDF")


def test_amounts_are_decimals_in_their_unit_in_json_and_with_a_decimal_comma_in_csv(world):  # noqa: F811
    export = world.a.objects["personal_data_export"]
    archive = zip_of(personal_data_export_run(export_id=export.pk))
    entries = json.loads(archive.read("ledger/entries.json"))
    transfer = next(entry for entry in entries if entry["memo"] == f"{world.a.marker} transfer")
    assert (transfer["unit"], transfer["amount"]) == ("ACH", "-7.00")
    assert Decimal(transfer["balance_after"]) == Decimal(transfer["balance_after"]).quantize(Decimal("0.01"))
    datetime.datetime.fromisoformat(transfer["date"])  # ISO
    rows = list(csv.DictReader(io.StringIO(archive.read("ledger/entries.csv").decode("utf-8-sig")), delimiter=";"))
    assert any(row["memo"] == f"{world.a.marker} transfer" and row["amount"] == "-7,00" for row in rows)
    conversions = json.loads(archive.read("currency/conversions.json"))
    assert [(row["unit"], row["amount"]) for row in conversions] == [("EUR", "20.00")]


# --- 3. request, task, expiry -----------------------------------------------------------------


@pytest.fixture
def eager_celery(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


def test_asking_twice_while_queued_gives_the_same_export_and_one_audit_row(make_member):
    member = make_member(username="alice", display_name="Alice")

    first = personal_data_export_request(member=member, actor=member.user)
    second = personal_data_export_request(member=member, actor=member.user)

    assert first.pk == second.pk and first.status == PersonalDataExport.Status.QUEUED
    assert PersonalDataExport.objects.filter(member=member).count() == 1
    events = AuditEvent.objects.filter(action="personal_data_export")
    assert list(events.values_list("actor_id", "object_type", "object_id", "details")) == [
        (member.user_id, "members.member", str(member.pk), {"export_id": first.pk})
    ]


def test_only_the_member_may_ask_and_a_refusal_writes_nothing(make_member, staff_user):
    member = make_member(username="alice")
    other = make_member(username="bruno")
    for actor in (other.user, staff_user, None):
        with pytest.raises(PermissionDenied):
            personal_data_export_request(member=member, actor=actor)
    assert PersonalDataExport.objects.count() == 0
    assert AuditEvent.objects.filter(action="personal_data_export").count() == 0


def test_the_export_is_built_on_commit_and_once_however_often_the_task_runs(
    make_member, eager_celery, django_capture_on_commit_callbacks
):
    member = make_member(username="alice", display_name="Alice Martin")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        export = personal_data_export_request(member=member, actor=member.user)
        assert PersonalDataExport.objects.get(pk=export.pk).status == PersonalDataExport.Status.QUEUED
    assert len(callbacks) == 1
    export.refresh_from_db()
    assert export.status == PersonalDataExport.Status.DONE
    first_file = export.file.name
    days = settings.BOCAGE_PERSONAL_DATA_EXPORT_DAYS
    assert export.expires_at - export.finished_at == datetime.timedelta(days=days)

    again = personal_data_export_run(export_id=export.pk)

    assert again.file.name == first_file
    stored = list((Path(settings.MEDIA_ROOT) / "personal-data").rglob("*.zip"))
    assert len(stored) == 1
    assert json.loads(zip_of(again).read("members/member.json"))[0]["display_name"] == "Alice Martin"


def test_an_export_that_died_running_restarts_from_scratch(make_member):
    member = make_member(username="alice")
    export = PersonalDataExport.objects.create(
        member=member, status=PersonalDataExport.Status.RUNNING, progress_done=3, progress_total=40
    )
    done = personal_data_export_run(export_id=export.pk)
    assert done.status == PersonalDataExport.Status.DONE
    assert done.progress_done == done.progress_total == len(personal_data.sections())


def test_the_catch_up_builds_the_exports_whose_task_never_reached_a_worker(make_member):
    member = make_member(username="alice")
    stale = PersonalDataExport.objects.create(member=member, created_at=timezone.now() - datetime.timedelta(hours=1))
    fresh = PersonalDataExport.objects.create(member=make_member(username="bruno"))

    assert personal_data_exports_catch_up() == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (PersonalDataExport.Status.DONE, PersonalDataExport.Status.QUEUED)


def test_the_expiry_deletes_the_file_and_keeps_the_row_done(make_member):
    member = make_member(username="alice")
    export = personal_data_export_run(export_id=PersonalDataExport.objects.create(member=member).pk)
    path = Path(export.file.path)
    assert path.exists() and export.available

    assert personal_data_exports_expire(now=export.expires_at - datetime.timedelta(seconds=1)) == 0
    assert path.exists()
    assert personal_data_exports_expire(now=export.expires_at) == 1

    export.refresh_from_db()
    assert not path.exists()
    assert (export.status, export.file.name, export.available, export.expired) == (
        PersonalDataExport.Status.DONE,
        "",
        False,
        True,
    )
    assert personal_data_exports_expire(now=export.expires_at) == 0


def test_a_failed_build_is_marked_failed_without_personal_data_in_the_reason(make_member, monkeypatch):
    member = make_member(username="alice", display_name="Alice Secretname")
    export = PersonalDataExport.objects.create(member=member)

    def broken(member):
        raise ValueError(f"cannot read {member.display_name}")

    section = personal_data.Section("zz/broken", "broken", Member, broken)
    monkeypatch.setattr(personal_data, "_sections", {**personal_data._sections, section.key: section})

    failed = personal_data_export_run(export_id=export.pk)

    assert failed.status == PersonalDataExport.Status.FAILED
    assert "ValueError" in failed.error and "Secretname" not in failed.error
    assert not failed.file


def test_the_page_asks_shows_progress_and_serves_the_zip_to_its_member_only(client, make_member):
    alice = make_member(username="alice", display_name="Alice")
    bruno = make_member(username="bruno", display_name="Bruno")
    client.login(username="alice", password=PASSWORD)

    page = client.get("/me/data/")
    assert page.status_code == 200
    assert b'data-testid="personal-data-request"' in page.content

    response = client.post("/me/data/request/")
    assert response.status_code == 302 and response["Location"] == "/me/data/"
    export = PersonalDataExport.objects.get(member=alice)
    status = client.get(f"/me/data/{export.pk}/status/").json()
    assert (status["id"], status["status"], status["download_url"]) == (export.pk, "queued", None)

    personal_data_export_run(export_id=export.pk)
    status = client.get(f"/me/data/{export.pk}/status/").json()
    assert (status["status"], status["percent"], status["download_url"]) == (
        "done",
        100,
        f"/me/data/{export.pk}/download/",
    )
    plain_name = f"bocage-mes-donnees-{timezone.localdate():%Y%m%d}.zip"
    assert status["file_name"] == plain_name  # not the stored name, whose random part must stay unknown
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"] == f'attachment; filename="{plain_name}"'
    assert PersonalDataExport.objects.get(pk=export.pk).file.name.endswith(".zip")
    assert plain_name.removesuffix(".zip") + "-" in PersonalDataExport.objects.get(pk=export.pk).file.name
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "members/member.json" in archive.namelist()
    assert b'data-testid="personal-data-expires"' in client.get("/me/data/").content

    client.logout()
    client.login(username="bruno", password=PASSWORD)
    assert client.get(f"/me/data/{export.pk}/download/").status_code == 404
    assert client.get(f"/me/data/{export.pk}/status/").status_code == 404
    assert PersonalDataExport.objects.filter(member=bruno).count() == 0

    personal_data_exports_expire(now=timezone.now() + datetime.timedelta(days=30))
    client.logout()
    client.login(username="alice", password=PASSWORD)
    assert client.get(f"/me/data/{export.pk}/download/").status_code == 404
    assert b'data-testid="personal-data-expired"' in client.get("/me/data/").content


def test_the_page_is_for_members_only(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/me/data/").status_code == 404
    assert client.post("/me/data/request/").status_code == 404
    assert PersonalDataExport.objects.count() == 0
