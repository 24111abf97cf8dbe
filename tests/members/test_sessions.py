"""The list of one's sessions (/security/sessions/): recorded at login, ended one by one or all but this one."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from core.models import AuditEvent
from members.models import UserSession
from members.sessions import device_label
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/security/sessions/"
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def logged_in(user_agent: str, username: str = "alice") -> Client:
    client = Client(HTTP_USER_AGENT=user_agent)
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (FIREFOX_ANDROID, "Firefox · Android"),
        (CHROME_WINDOWS, "Chrome · Windows"),
        (SAFARI_IPHONE, "Safari · iOS"),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0", "Edge · Linux"),
        ("curl/8.5", ""),
    ],
)
def test_the_device_is_a_browser_and_a_system_only(user_agent, label):
    assert device_label(user_agent) == label


def test_a_login_records_the_session_without_the_user_agent_or_the_address(make_member):
    alice = make_member(username="alice")

    client = logged_in(FIREFOX_ANDROID)

    row = UserSession.objects.get(user=alice.user)
    assert (row.session_key, row.device) == (client.session.session_key, "Firefox · Android")
    assert "128.0" not in str(row.__dict__) and "127.0.0.1" not in str(row.__dict__)


def test_logging_out_removes_the_row(make_member):
    make_member(username="alice")
    client = logged_in(FIREFOX_ANDROID)

    client.post("/accounts/logout/")

    assert not UserSession.objects.exists()


def test_the_page_lists_ones_sessions_and_marks_this_one(make_member):
    make_member(username="alice")
    make_member(username="bob")
    phone = logged_in(FIREFOX_ANDROID)
    logged_in(CHROME_WINDOWS)
    logged_in(SAFARI_IPHONE, username="bob")

    page = phone.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert page.count("Firefox · Android") == 1 and page.count("Chrome · Windows") == 1
    assert "Safari" not in page
    assert page.count("(this session)") == 1
    assert page.index("Firefox · Android") < page.index("(this session)")


def test_ending_another_session_logs_that_browser_out(make_member):
    alice = make_member(username="alice")
    phone = logged_in(FIREFOX_ANDROID)
    laptop = logged_in(CHROME_WINDOWS)
    laptop_row = UserSession.objects.get(device="Chrome · Windows")

    response = phone.post(PAGE, {"session": laptop_row.pk})

    assert response.status_code == 302
    assert not UserSession.objects.filter(pk=laptop_row.pk).exists()
    assert not Session.objects.filter(session_key=laptop_row.session_key).exists()
    assert laptop.get(PAGE).status_code == 302  # sent to the login page
    assert phone.get(PAGE).status_code == 200
    event = AuditEvent.objects.get(action="user_session_end")
    assert (event.actor, event.object_id) == (alice.user, str(alice.user.pk))
    assert event.details == {"device": "Chrome · Windows"}


def test_another_users_session_is_404_and_stays(make_member):
    make_member(username="alice")
    make_member(username="bob")
    phone = logged_in(FIREFOX_ANDROID)
    bobs = logged_in(SAFARI_IPHONE, username="bob")
    bobs_row = UserSession.objects.get(user__username="bob")

    assert phone.post(PAGE, {"session": bobs_row.pk}).status_code == 404

    assert UserSession.objects.filter(pk=bobs_row.pk).exists()
    assert bobs.get(PAGE).status_code == 200
    assert not AuditEvent.objects.filter(action="user_session_end").exists()


def test_ending_all_other_sessions_keeps_this_one(make_member):
    alice = make_member(username="alice")
    make_member(username="bob")
    phone = logged_in(FIREFOX_ANDROID)
    laptop = logged_in(CHROME_WINDOWS)
    tablet = logged_in(SAFARI_IPHONE)
    bobs = logged_in(SAFARI_IPHONE, username="bob")

    response = phone.post(PAGE, {"action": "others"})

    assert response.status_code == 302
    assert list(UserSession.objects.filter(user=alice.user).values_list("device", flat=True)) == ["Firefox · Android"]
    assert laptop.get(PAGE).status_code == 302 and tablet.get(PAGE).status_code == 302
    assert phone.get(PAGE).status_code == 200 and bobs.get(PAGE).status_code == 200
    event = AuditEvent.objects.get(action="user_sessions_end")
    assert event.details == {"sessions": 2}


def test_the_last_visit_is_written_at_most_every_few_minutes(make_member, settings):
    settings.BOCAGE_SESSION_TOUCH_SECONDS = 300
    make_member(username="alice")
    phone = logged_in(FIREFOX_ANDROID)
    row = UserSession.objects.get()
    seen = row.last_seen_at

    phone.get(PAGE)
    row.refresh_from_db()
    assert row.last_seen_at == seen

    session = phone.session
    session["_bocage_session_seen"] = 0
    session.save()
    phone.get(PAGE)
    row.refresh_from_db()
    assert row.last_seen_at > seen


def test_the_sessions_and_tokens_pages_link_each_other(make_member):
    make_member(username="alice")
    phone = logged_in(FIREFOX_ANDROID)

    assert 'href="/security/tokens/"' in phone.get(PAGE).content.decode()
    assert 'href="/security/sessions/"' in phone.get("/security/tokens/").content.decode()
    assert 'href="/security/sessions/"' in phone.get("/security/").content.decode()


def test_an_expired_session_is_not_listed(make_member):
    make_member(username="alice")
    phone = logged_in(FIREFOX_ANDROID)
    logged_in(CHROME_WINDOWS)
    laptop_key = UserSession.objects.get(device="Chrome · Windows").session_key
    Session.objects.filter(session_key=laptop_key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    page = phone.get(PAGE).content.decode()

    assert "Firefox · Android" in page and "Chrome · Windows" not in page
