"""Leaving by oneself: the page /me/close/ (password and checkbox, then logged out and a goodbye)
and POST /api/members/me/close/ ({"confirm": true}; 422 with every obstacle); refusals write nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.test import APIClient

from config.throttling import SensitiveRateThrottle
from ledger.models import Account
from members.models import Member, UserSession
from members.services import api_token_create
from tests.conftest import PASSWORD, api_client_for
from tests.crowdfunding.helpers import draft_campaign
from tests.currency.funding import give_ach
from tests.membership.leaving_support import snapshot

pytestmark = pytest.mark.django_db


def logged_in(client, member: Member):
    assert client.login(username=member.user.username, password=PASSWORD)
    return client


def token_client(member: Member) -> APIClient:
    _token, key = api_token_create(user=member.user, device="test", actor=member.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="fr")
    return client


def test_the_profile_links_to_leaving_and_an_anonymous_visitor_is_sent_to_log_in(client, make_member):
    member = make_member()
    assert client.get("/me/close/").status_code == 302
    assert client.get("/me/close/")["Location"].startswith("/accounts/login/")
    assert client.post("/me/close/gift/").status_code == 302
    logged_in(client, member)
    profile = client.get("/me/profile/").content.decode()
    assert "Quitter Bocage" in profile and 'href="/me/close/"' in profile
    page = client.get("/me/close/").content.decode()
    assert 'href="/me/data/"' in page
    assert 'data-testid="leaving-ready"' in page


def test_leaving_by_the_page_with_the_password_logs_out_and_says_goodbye(client, make_member):
    member = make_member()
    logged_in(client, member)
    answer = client.post("/me/close/", {"password": PASSWORD, "confirm": "on"})
    assert answer.status_code == 302 and answer["Location"] == "/me/close/goodbye/"
    assert "Au revoir" in client.get("/me/close/goodbye/").content.decode()
    assert client.get("/me/profile/").status_code == 302  # logged out
    member.refresh_from_db()
    assert member.status == Member.Status.CLOSED
    assert set(Account.objects.filter(holder=member).values_list("status", flat=True)) == {Account.Status.CLOSED}
    assert not get_user_model().objects.get(pk=member.user_id).is_active
    assert UserSession.objects.filter(user=member.user).count() == 0
    assert not client.login(username=member.user.username, password=PASSWORD)


def test_leaving_ends_every_other_session_of_the_member(client, make_member):
    member = make_member()
    other_browser = logged_in(Client(), member)
    assert other_browser.get("/me/profile/").status_code == 200
    logged_in(client, member)
    assert UserSession.objects.filter(user=member.user).count() == 2
    client.post("/me/close/", {"password": PASSWORD, "confirm": "on"})
    assert other_browser.get("/me/profile/").status_code == 302
    assert UserSession.objects.filter(user=member.user).count() == 0
    assert Session.objects.count() == 0


def test_a_staff_member_sees_why_they_cannot_close_themselves_on_the_page(client, make_member):
    member = make_member()
    member.user.is_staff = True
    member.user.save()
    logged_in(client, member)
    assert 'data-code="staff_account"' in client.get("/me/close/").content.decode()
    before = snapshot(member)
    assert client.post("/me/close/", {"password": PASSWORD, "confirm": "on"}).status_code == 422
    assert snapshot(member) == before


def test_a_wrong_password_or_no_checkbox_is_refused_and_writes_nothing(client, make_member):
    member = make_member()
    logged_in(client, member)
    before = snapshot(member)
    wrong = client.post("/me/close/", {"password": "not-the-password", "confirm": "on"})
    assert wrong.status_code == 400
    assert "Ce mot de passe n’est pas le bon." in wrong.content.decode()
    assert client.post("/me/close/", {"password": PASSWORD}).status_code == 400
    assert snapshot(member) == before


def test_the_page_lists_the_obstacles_and_refuses_to_close_writing_nothing(client, make_member):
    member = make_member()
    give_ach(member, "2")
    draft_campaign(member)
    logged_in(client, member)
    page = client.get("/me/close/").content.decode()
    assert 'data-code="balances_not_zero"' in page and 'data-code="campaigns_running"' in page
    assert "2,00 ACH" in page
    before = snapshot(member)
    refused = client.post("/me/close/", {"password": PASSWORD, "confirm": "on"})
    assert refused.status_code == 422
    assert snapshot(member) == before


def test_leaving_by_the_api_answers_closed_then_the_token_no_longer_works_nor_the_password(make_member):
    member = make_member()
    api = token_client(member)
    assert api.post("/api/members/me/close/", {"confirm": True}, format="json").json() == {"status": "closed"}
    again = api.get("/api/members/me/")
    assert again.status_code == 401
    assert not APIClient().login(username=member.user.username, password=PASSWORD)
    member.refresh_from_db()
    assert member.status == Member.Status.CLOSED


def test_leaving_by_the_api_is_throttled_like_the_other_sensitive_writes(make_member, monkeypatch):
    monkeypatch.setattr(SensitiveRateThrottle, "THROTTLE_RATES", {"sensitive": "1/min"})
    member = make_member()
    api = api_client_for(member.user)
    assert api.post("/api/members/me/close/", {}, format="json").status_code == 400
    assert api.post("/api/members/me/close/", {"confirm": True}, format="json").status_code == 429
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


def test_the_api_asks_for_confirm_true(make_member):
    member = make_member()
    api = api_client_for(member.user)
    before = snapshot(member)
    for body in ({}, {"confirm": False}):
        answer = api.post("/api/members/me/close/", body, format="json")
        assert answer.status_code == 400
        assert answer.json()["code"] == "invalid"
    assert snapshot(member) == before


def test_the_api_refuses_with_the_first_obstacle_and_lists_them_all_writing_nothing(make_member):
    member = make_member()
    give_ach(member, "1234.5")
    draft_campaign(member, title="Le fournil partagé")
    api = api_client_for(member.user)
    before = snapshot(member)
    answer = api.post("/api/members/me/close/", {"confirm": True}, format="json")
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "balances_not_zero"
    assert body["message"].startswith("Votre compte ACH est à 1\u202f234,50 ACH\u202f: il doit être à zéro.")
    assert [(o["code"], o.get("unit"), o.get("amount")) for o in body["obstacles"]] == [
        ("balances_not_zero", "ACH", "1234.50"),
        ("campaigns_running", None, None),
    ]
    assert snapshot(member) == before


def test_anonymous_is_refused_and_staff_cannot_close_themselves(make_member, staff_user):
    assert APIClient().post("/api/members/me/close/", {"confirm": True}, format="json").status_code == 401
    assert (
        api_client_for(staff_user).post("/api/members/me/close/", {"confirm": True}, format="json").status_code == 404
    )
    member = make_member()
    member.user.is_staff = True
    member.user.save()
    before = snapshot(member)
    answer = api_client_for(member.user).post("/api/members/me/close/", {"confirm": True}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (422, "staff_account")
    assert snapshot(member) == before


def test_staff_closing_a_member_goes_the_same_way_and_ends_its_logins(make_member, staff_user):
    member = make_member()
    answer = api_client_for(staff_user).post(f"/api/members/{member.pk}/close/")
    assert answer.status_code == 200 and answer.json()["status"] == "closed"
    member.refresh_from_db()
    assert not get_user_model().objects.get(pk=member.user_id).is_active
    assert set(Account.objects.filter(holder=member).values_list("status", flat=True)) == {Account.Status.CLOSED}
