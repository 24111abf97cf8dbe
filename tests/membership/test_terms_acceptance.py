"""A new version of the terms or the privacy notice (membership.terms): a member who accepted the old
one is sent to /terms/accept/ from every page (the documents, leaving and logging out stay open),
accepts and is let through, with a Consent of the new version; the API answers 403
`terms_not_accepted` until then; staff too; members up to date are never stopped and cost no query."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditEvent
from members.services import api_token_create
from membership.models import Consent, LegalDocument
from membership.signup import consents_record
from membership.terms import terms_accept, terms_accepted

pytestmark = pytest.mark.django_db

ACCEPT = "/terms/accept/"


def old_documents() -> list[LegalDocument]:
    return list(LegalDocument.objects.filter(version="2026-12").order_by("kind"))


@pytest.fixture
def new_version(db) -> list[LegalDocument]:
    today = timezone.localdate()
    return [
        LegalDocument.objects.create(kind="privacy", version="2027-01", published_on=today, summary="Durées revues."),
        LegalDocument.objects.create(kind="terms", version="2027-01", published_on=today, summary="Frais de change."),
    ]


@pytest.fixture
def maud(make_member):
    member = make_member(username="maud", display_name="Maud Rivière")
    consents_record(user=member.user, documents=old_documents())
    return member


def client_of(user) -> Client:
    client = Client(headers={"accept-language": "fr"})
    client.force_login(user)
    return client


def test_a_member_who_accepted_the_old_version_is_sent_to_accept_the_new_one_then_let_through(maud, new_version):
    client = client_of(maud.user)

    answer = client.get("/notifications/?page=1")
    assert answer.status_code == 302
    assert answer["Location"] == f"{ACCEPT}?next=%2Fnotifications%2F%3Fpage%3D1"
    page = client.get(answer["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Frais de change." in text and "Durées revues." in text
    assert "J’accepte" in text
    assert 'href="/me/close/"' in text
    assert Consent.objects.filter(user=maud.user).count() == 2

    accepted = client.post(ACCEPT, {"next": "/notifications/?page=1"})

    assert (accepted.status_code, accepted["Location"]) == (302, "/notifications/?page=1")
    assert sorted(Consent.objects.filter(user=maud.user).values_list("document__kind", "document__version")) == [
        ("privacy", "2026-12"),
        ("privacy", "2027-01"),
        ("terms", "2026-12"),
        ("terms", "2027-01"),
    ]
    event = AuditEvent.objects.get(action="terms_accept")
    assert (event.object_id, event.details) == (str(maud.user.pk), {"versions": "privacy 2027-01, terms 2027-01"})
    assert client.get("/notifications/").status_code == 200
    assert client.get(ACCEPT)["Location"] == "/"  # nothing left to accept


def test_accepting_twice_records_nothing_more_and_a_foreign_next_goes_home(maud, new_version):
    client = client_of(maud.user)
    assert client.post(ACCEPT, {"next": "https://evil.example/"})["Location"] == "/"

    assert terms_accept(user=maud.user, actor=maud.user) == []
    assert Consent.objects.filter(user=maud.user).count() == 4
    assert AuditEvent.objects.filter(action="terms_accept").count() == 1


def test_the_documents_logging_out_and_static_files_stay_open(maud, new_version):
    client = client_of(maud.user)

    assert client.get("/terms/").status_code == 200
    assert client.get("/privacy/").status_code == 200
    assert client.get("/me/data/").status_code == 200
    assert client.get("/").status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 200  # logged out: the public home


def test_the_api_refuses_a_token_and_a_session_until_accepted_then_answers(maud, new_version):
    _token, key = api_token_create(user=maud.user, device="phone", actor=maud.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")

    refused = api.get("/api/members/me/")
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "terms_not_accepted",
        "message": "New terms of use or privacy notice: accept them on the site before using the API.",
    }
    session = client_of(maud.user)
    assert session.get("/api/members/me/").json()["code"] == "terms_not_accepted"
    assert Consent.objects.filter(user=maud.user).count() == 2

    terms_accept(user=maud.user, actor=maud.user)

    assert api.get("/api/members/me/").status_code == 200
    assert session.get("/api/members/me/").status_code == 200


def test_staff_are_asked_too(staff_user, new_version):
    consents_record(user=staff_user, documents=old_documents())
    client = client_of(staff_user)

    assert client.get("/admin/")["Location"] == f"{ACCEPT}?next=%2Fadmin%2F"
    client.post(ACCEPT)
    assert client.get("/admin/").status_code == 200


def test_members_up_to_date_or_never_asked_are_not_stopped_and_cost_no_query_once_known(
    make_member, maud, new_version, django_assert_num_queries
):
    up_to_date = make_member(username="louis")
    consents_record(user=up_to_date.user, documents=new_version)
    never_asked = make_member(username="jeanne")  # created by staff: no consent recorded

    assert client_of(up_to_date.user).get("/notifications/").status_code == 200
    assert client_of(never_asked.user).get("/notifications/").status_code == 200
    assert terms_accepted(up_to_date.user) is True
    with django_assert_num_queries(0):
        assert terms_accepted(up_to_date.user) is True
        assert terms_accepted(never_asked.user) is True
    assert terms_accepted(maud.user) is False


def test_without_a_newer_version_nobody_is_asked(maud):
    assert client_of(maud.user).get("/notifications/").status_code == 200
