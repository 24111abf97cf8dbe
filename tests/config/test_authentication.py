"""API tokens: the one-query reader (PostgreSQL) answers as DRF's own TokenAuthentication did."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from config.authentication import TokenAuthentication
from members.services import api_token_create

ME = "/api/members/me/"


def client_with(header: str, language: str = "en") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header, HTTP_ACCEPT_LANGUAGE=language)
    return client


def test_a_token_authenticates_its_user_in_one_query(make_member):
    alice = make_member(username="alice")
    token, key = api_token_create(user=alice.user, actor=None)
    TokenAuthentication().authenticate_credentials(key)  # the first use is written; the next ones, hourly

    with CaptureQueriesContext(connection) as queries:
        user, found = TokenAuthentication().authenticate_credentials(key)

    assert (user.pk, user.username, user.is_active) == (alice.user.pk, "alice", True)
    assert (found.pk, found.digest, found.user_id, found.created_at) == (
        token.pk,
        token.digest,
        alice.user.pk,
        token.created_at,
    )
    assert found.user is user
    assert len(queries.captured_queries) == 1
    response = client_with(f"Token {key}").get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


@pytest.mark.parametrize(
    "header",
    ["Token 0123456789abcdef0123456789abcdef01234567", "Token not-a-real-token", "Token a\x00b"],
    ids=["unknown", "malformed", "nul"],
)
@pytest.mark.parametrize(("language", "message"), [("en", "Invalid token."), ("fr", "Token non valide.")])
def test_an_unknown_token_is_refused_with_drfs_message(db, header, language, message):
    response = client_with(header, language).get(ME)
    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "message": message}
    assert response["WWW-Authenticate"] == "Token"


def test_the_token_of_an_inactive_user_is_refused(make_member):
    alice = make_member(username="alice")
    _token, key = api_token_create(user=alice.user, actor=None)
    alice.user.is_active = False
    alice.user.save(update_fields=["is_active"])

    with translation.override("en"), pytest.raises(AuthenticationFailed) as refused:
        TokenAuthentication().authenticate_credentials(key)
    assert str(refused.value.detail) == "User inactive or deleted."
    response = client_with(f"Token {key}").get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
