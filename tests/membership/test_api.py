"""The members API (/api/members/): staff enrol members with their accounts, a member reads itself."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from rest_framework.test import APIClient

from ledger.models import Account
from members.models import Member
from tests.conftest import PASSWORD, api_client_for, requires_postgresql
from tests.membership.api_shapes import (
    MEMBERS,
    NEW_PASSWORD,
    TOKEN,
    assert_error,
    blank_details,
    expected_accounts,
    new_member,
    people_state,
)


@pytest.fixture
def auditor(db):
    user = get_user_model().objects.create_user(username="auditor", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="ledger", codename="audit_ledger"))
    return get_user_model().objects.get(pk=user.pk)


# --- creating members -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["individual", "business", "association"])
def test_staff_creates_a_member_with_its_three_accounts(kind, staff_user):
    response = api_client_for(staff_user).post(MEMBERS, new_member(kind=kind), format="json")
    assert response.status_code == 201
    member = Member.objects.get(user__username="la-ferme")
    body = response.json()
    assert datetime.fromisoformat(body.pop("created_at")) == member.created_at
    assert body == {
        "id": member.pk,
        "username": "la-ferme",
        "display_name": "La Ferme des Achards",
        "kind": kind,
        **blank_details(member),
        "accounts": expected_accounts(member),
    }
    assert "password" not in response.content.decode()
    assert member.user.check_password(NEW_PASSWORD)
    assert not member.user.is_staff
    assert Account.objects.filter(holder=member).count() == 3


def test_the_new_member_can_log_in(staff_user):
    api_client_for(staff_user).post(MEMBERS, new_member(), format="json")
    response = APIClient().post(TOKEN, {"username": "la-ferme", "password": NEW_PASSWORD}, format="json")
    assert response.status_code == 200


def test_an_email_may_be_given(staff_user):
    response = api_client_for(staff_user).post(MEMBERS, new_member(email="ferme@example.org"), format="json")
    assert response.status_code == 201
    assert get_user_model().objects.get(username="la-ferme").email == "ferme@example.org"


def test_a_member_may_not_create_members(make_member):
    alice = make_member(username="alice")
    before = people_state()
    assert_error(api_client_for(alice.user).post(MEMBERS, new_member(), format="json"), 403, "permission_denied")
    assert people_state() == before


def test_an_auditor_may_not_create_members(auditor):
    before = people_state()
    assert_error(api_client_for(auditor).post(MEMBERS, new_member(), format="json"), 403, "permission_denied")
    assert people_state() == before


def test_an_anonymous_caller_may_not_create_members(db):
    before = people_state()
    response = api_client_for(None).post(MEMBERS, new_member(), format="json")
    assert_error(response, 401, "not_authenticated")
    assert people_state() == before


def test_missing_fields_answer_400_with_each_field(staff_user):
    before = people_state()
    body = assert_error(api_client_for(staff_user).post(MEMBERS, {}, format="json"), 400, "invalid")
    assert sorted(body["fields"]) == ["display_name", "kind", "password", "username"]
    assert people_state() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "cooperative"}, "kind"),
        ({"kind": None}, "kind"),
        ({"username": "has space"}, "username"),
        ({"username": "u" * 151}, "username"),
        ({"username": ""}, "username"),
        ({"username": ["alice"]}, "username"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "d" * 151}, "display_name"),
        ({"display_name": "nul\x00inside"}, "display_name"),
        ({"username": "nul\x00inside"}, "username"),
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_an_invalid_field_answers_400_with_that_field_and_creates_nothing(changes, field, staff_user):
    before = people_state()
    response = api_client_for(staff_user).post(MEMBERS, new_member(**changes), format="json")
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == [field]
    assert all(isinstance(message, str) and message for message in body["fields"][field])
    assert people_state() == before


def test_a_taken_username_answers_400_and_creates_nothing(make_member, staff_user):
    make_member(username="la-ferme")
    before = people_state()
    body = assert_error(api_client_for(staff_user).post(MEMBERS, new_member(), format="json"), 400, "invalid")
    assert list(body["fields"]) == ["username"]
    assert people_state() == before


@pytest.mark.parametrize("raw", ['{"username": "la-ferme", ', "not json", '{"kind": NaN}', '{"a":' * 100_000])
def test_creating_a_member_with_malformed_json_answers_400(raw, staff_user):
    before = people_state()
    response = api_client_for(staff_user).post(MEMBERS, raw, content_type="application/json")
    assert_error(response, 400, "malformed")
    assert people_state() == before


@pytest.mark.parametrize("raw", ["[]", "null", '"la-ferme"'])
def test_creating_a_member_from_json_that_is_not_an_object_answers_400(raw, staff_user):
    before = people_state()
    response = api_client_for(staff_user).post(MEMBERS, raw, content_type="application/json")
    assert_error(response, 400, "invalid")
    assert people_state() == before


# --- me ---------------------------------------------------------------------------------------


def test_me_shows_the_callers_member_and_accounts(make_member):
    make_member(username="bob")
    alice = make_member(username="alice", kind=Member.Kind.ASSOCIATION, display_name="Les Amis du Bocage")
    response = api_client_for(alice.user).get(f"{MEMBERS}me/")
    assert response.status_code == 200
    body = response.json()
    assert datetime.fromisoformat(body.pop("created_at")) == alice.created_at
    assert body == {
        "id": alice.pk,
        "username": "alice",
        "display_name": "Les Amis du Bocage",
        "kind": "association",
        **blank_details(alice),
        "accounts": expected_accounts(alice),
    }


def test_me_for_a_user_who_is_not_a_member_answers_404(staff_user):
    assert_error(api_client_for(staff_user).get(f"{MEMBERS}me/"), 404, "not_found")


def test_me_for_an_anonymous_caller_answers_401(db):
    assert_error(api_client_for(None).get(f"{MEMBERS}me/"), 401, "not_authenticated")


# --- concurrency (PostgreSQL) -----------------------------------------------------------------


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_of_one_username_create_one_member_and_never_answer_500(django_user_model):
    staff = django_user_model.objects.create_user(username="staff", password=PASSWORD, is_staff=True)
    barrier = threading.Barrier(8)

    def send(_: int) -> tuple[int, dict[str, Any]]:
        try:
            client = api_client_for(django_user_model.objects.get(pk=staff.pk))
            barrier.wait(timeout=30)
            response = client.post(MEMBERS, new_member(), format="json")
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))

    assert sorted(status for status, _ in answers) == [201] + [400] * 7, answers
    assert all(list(answer["fields"]) == ["username"] for status, answer in answers if status == 400)
    member = Member.objects.get(user__username="la-ferme")
    assert Account.objects.filter(holder=member).count() == 3
    assert Member.objects.count() == 1
