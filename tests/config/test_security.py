"""Access hardening: login lockout (django-axes) and throttling of the sensitive API writes."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from rest_framework.test import APIClient

from config.throttling import SensitiveRateThrottle
from ledger.models import Transaction
from members.models import ApiToken
from tests.conftest import PASSWORD, api_client_for

LOGIN = "/accounts/login/"
TOKEN = "/api/auth/token/"
LOCKED_OUT = "Too many failed login attempts. This account is locked for a while from your address; try again later."


@pytest.fixture
def alice(make_member):
    return make_member(username="alice")


def login_page(client, password: str, username: str = "alice"):
    return client.post(LOGIN, {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE="en")


def test_five_wrong_passwords_on_the_login_page_lock_out_even_the_right_one(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _attempt in range(4):
        assert login_page(client, "wrong").status_code == 200
    fifth = login_page(client, "wrong")
    assert fifth.status_code == 429
    assert LOCKED_OUT in fifth.content.decode()

    right = login_page(client, PASSWORD)

    assert right.status_code == 429
    assert LOCKED_OUT in right.content.decode()
    assert "Too many login attempts" in right.content.decode()  # our page, through base.html
    assert SESSION_KEY not in client.session
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 6


def test_the_lockout_counts_per_username_so_another_member_still_logs_in(client, alice, make_member, settings):
    settings.AXES_FAILURE_LIMIT = 5
    make_member(username="bob")
    for _attempt in range(5):
        login_page(client, "wrong")

    response = login_page(client, PASSWORD, username="bob")

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(alice.user.__class__.objects.get(username="bob").pk)


def test_fewer_failures_than_the_limit_do_not_stop_the_right_password(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _attempt in range(4):
        login_page(client, "wrong")

    response = login_page(client, PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(alice.user.pk)


def test_the_token_endpoint_locks_out_after_five_failures_with_a_json_locked_out(alice, settings):
    settings.AXES_FAILURE_LIMIT = 5
    client = APIClient()
    for _attempt in range(4):
        response = client.post(TOKEN, {"username": "alice", "password": "wrong"}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"

    fifth = client.post(TOKEN, {"username": "alice", "password": "wrong"}, format="json")
    right = client.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert fifth.status_code == 429
    assert right.status_code == 429
    assert right.json() == {"code": "locked_out", "message": LOCKED_OUT}
    assert ApiToken.objects.count() == 0


def test_failures_on_the_page_and_on_the_api_add_up(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _attempt in range(3):
        login_page(client, "wrong")
    api = APIClient()
    assert api.post(TOKEN, {"username": "alice", "password": "wrong"}, format="json").status_code == 400

    response = api.post(TOKEN, {"username": "alice", "password": "wrong"}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_api_writes_beyond_the_sensitive_rate_answer_429_throttled_with_retry_after(alice, monkeypatch):
    monkeypatch.setattr(SensitiveRateThrottle, "THROTTLE_RATES", {"sensitive": "2/min"})
    client = api_client_for(alice.user)
    before = Transaction.objects.count()
    for _attempt in range(2):
        assert client.post("/api/transfers/", {}, format="json", headers={"Idempotency-Key": "k"}).status_code == 400

    response = client.post(
        "/api/transfers/", {}, format="json", headers={"Idempotency-Key": "k"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response.json()["message"].startswith("Request was throttled.")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Transaction.objects.count() == before


def test_reads_and_other_writes_are_not_throttled_by_the_sensitive_rate(alice, monkeypatch):
    monkeypatch.setattr(SensitiveRateThrottle, "THROTTLE_RATES", {"sensitive": "1/min"})
    client = api_client_for(alice.user)

    reads = [client.get("/api/holds/").status_code for _attempt in range(3)]
    writes = [client.post("/api/cooperatives/", {}, format="json").status_code for _attempt in range(3)]

    assert reads == [200, 200, 200]
    assert writes == [403, 403, 403]


def test_the_token_endpoint_is_throttled_per_address(alice, monkeypatch):
    monkeypatch.setattr(SensitiveRateThrottle, "THROTTLE_RATES", {"sensitive": "1/min"})
    client = APIClient()
    assert client.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json").status_code == 200

    response = client.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_one_password_sprayed_over_many_usernames_locks_the_address_out(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.BOCAGE_LOGIN_ADDRESS_FAILURE_LIMIT = 20
    answers = [login_page(client, "Summer2026!", username=f"user{n}").status_code for n in range(30)]

    assert answers[:20] == [200] * 20  # each username alone stays far under its own limit
    assert answers[20:] == [429] * 10
    assert login_page(client, PASSWORD).status_code == 429  # the right password, from that address
    assert SESSION_KEY not in client.session


def test_spraying_the_token_endpoint_locks_the_address_out_and_gives_no_token(alice, settings):
    settings.BOCAGE_LOGIN_ADDRESS_FAILURE_LIMIT = 20
    api = APIClient()
    answers = [
        api.post(TOKEN, {"username": f"user{n}", "password": "Summer2026!"}, format="json").status_code
        for n in range(30)
    ]

    assert answers[:20] == [400] * 20
    assert answers[20:] == [429] * 10
    right = api.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert right.json() == {"code": "locked_out", "message": LOCKED_OUT}
    assert ApiToken.objects.count() == 0


def test_a_sprayed_address_does_not_lock_out_a_member_from_another_address(client, alice, settings):
    settings.BOCAGE_LOGIN_ADDRESS_FAILURE_LIMIT = 20
    for n in range(25):
        login_page(client, "Summer2026!", username=f"user{n}")

    elsewhere = client.post(LOGIN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="192.0.2.44")
    api = APIClient().post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json", REMOTE_ADDR="192.0.2.45")

    assert elsewhere.status_code == 302
    assert client.session[SESSION_KEY] == str(alice.user.pk)
    assert api.status_code == 200
