"""Token login through the API (/api/auth/token/): one token per device, refusals that give none."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from members.models import ApiToken
from members.tokens import key_digest
from tests.conftest import PASSWORD
from tests.membership.api_shapes import MEMBERS, TOKEN, assert_error, expected_accounts, people_state

# --- token login ------------------------------------------------------------------------------


def test_a_member_logs_in_with_a_token_and_reads_their_own_member(make_member):
    alice = make_member(username="alice")
    client = APIClient()
    response = client.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert list(response.json()) == ["token"]
    assert ApiToken.objects.get(user=alice.user).digest == key_digest(response.json()["token"])

    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = client.get(f"{MEMBERS}me/")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert me.json()["accounts"] == expected_accounts(alice)

    # A second login (another device) gets a token of its own; the first keeps working.
    again = APIClient().post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")
    assert again.json()["token"] != response.json()["token"]
    assert ApiToken.objects.filter(user=alice.user).count() == 2
    assert client.get(f"{MEMBERS}me/").status_code == 200


@pytest.mark.parametrize(
    "credentials", [{"username": "alice", "password": "wrong"}, {"username": "nobody", "password": PASSWORD}]
)
def test_bad_credentials_answer_400_and_give_no_token(credentials, make_member):
    make_member(username="alice")
    before = people_state()
    body = assert_error(APIClient().post(TOKEN, credentials, format="json"), 400, "invalid")
    assert "fields" not in body
    assert people_state() == before


def test_an_inactive_user_gets_no_token(make_member):
    alice = make_member(username="alice")
    alice.user.is_active = False
    alice.user.save(update_fields=["is_active"])
    before = people_state()
    response = APIClient().post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")
    assert_error(response, 400, "invalid")
    assert people_state() == before


def test_token_login_with_missing_fields_answers_400_with_each_field(db):
    body = assert_error(APIClient().post(TOKEN, {}, format="json"), 400, "invalid")
    assert sorted(body["fields"]) == ["password", "username"]
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize("raw", ['{"username": "alice", ', "[" * 100_000])
def test_token_login_with_malformed_json_answers_400(raw, db):
    response = APIClient().post(TOKEN, raw, content_type="application/json")
    assert_error(response, 400, "malformed")
    assert ApiToken.objects.count() == 0


def test_an_unknown_token_answers_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(f"{MEMBERS}me/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"
