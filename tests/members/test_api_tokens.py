"""API tokens: one per device, a sliding lifetime, revoked by a new password, closing or a second factor."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from core.models import AuditEvent
from members.models import ApiToken
from members.services import api_token_create
from members.tokens import key_digest
from membership.services import member_close
from tests.conftest import PASSWORD
from tests.members.test_otp import enrol

ME = "/api/members/me/"
TOKENS = "/api/tokens/"
# The same views under the members' contract of issue 19; /api/tokens/ stays for existing clients.
MY_TOKENS = "/api/members/me/tokens/"
BOTH = pytest.mark.parametrize("tokens", [TOKENS, MY_TOKENS])
PAGE = "/security/tokens/"
EXPIRED = {"code": "token_expired", "message": "This token has expired or was revoked: ask for a new one."}


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def issue(user, device: str = "phone") -> tuple[ApiToken, str]:
    return api_token_create(user=user, device=device, actor=user)


def test_a_token_lasts_the_configured_number_of_days_and_its_key_is_not_stored(make_member, settings):
    settings.BOCAGE_API_TOKEN_DAYS = 7
    alice = make_member(username="alice")

    response = APIClient().post(
        "/api/auth/token/", {"username": "alice", "password": PASSWORD, "device": "Pixel"}, format="json"
    )

    token = ApiToken.objects.get(user=alice.user)
    key = response.json()["token"]
    assert (len(key), token.digest, token.device) == (40, key_digest(key), "Pixel")
    assert token.expires_at - token.created_at == datetime.timedelta(days=7)
    assert not ApiToken.objects.filter(digest=key).exists()
    assert AuditEvent.objects.filter(action="api_token_create", object_id=str(token.pk)).count() == 1


def test_using_a_token_slides_its_expiry_but_writes_at_most_once_per_interval(make_member, settings):
    settings.BOCAGE_API_TOKEN_DAYS = 30
    alice = make_member(username="alice")
    token, key = issue(alice.user)
    client = with_key(key)

    assert client.get(ME).status_code == 200
    token.refresh_from_db()
    first_use, first_expiry = token.last_used_at, token.expires_at
    assert first_use is not None and first_expiry - first_use == datetime.timedelta(days=30)

    assert client.get(ME).status_code == 200
    token.refresh_from_db()
    assert (token.last_used_at, token.expires_at) == (first_use, first_expiry)  # within the hour: no write

    an_hour_ago = first_use - datetime.timedelta(hours=1, seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=an_hour_ago)
    assert client.get(ME).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first_use
    assert token.expires_at - token.last_used_at == datetime.timedelta(days=30)


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", EXPIRED["message"]), ("fr", "Ce jeton a expiré ou a été révoqué\u00a0: demandez-en un nouveau.")],
)
def test_an_expired_token_answers_401_token_expired(make_member, language, message):
    alice = make_member(username="alice")
    token, key = issue(alice.user)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client = with_key(key)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)

    response = client.get(ME)

    assert response.status_code == 401
    assert response.json() == {"code": "token_expired", "message": message}
    assert response["WWW-Authenticate"] == "Token"


def test_changing_the_password_on_the_password_page_ends_every_token(client, make_member):
    alice = make_member(username="alice")
    _token, key = issue(alice.user)
    _other, other_key = issue(alice.user, device="laptop")
    client.force_login(alice.user)

    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "a-new-long-password-2", "new_password2": "a-new-long-password-2"},
    )

    assert response.status_code == 302
    assert with_key(key).get(ME).json() == EXPIRED
    assert with_key(other_key).get(ME).json() == EXPIRED
    assert APIClient().get(TOKENS).status_code == 401


def test_a_password_reset_ends_every_token(client, make_member):
    alice = make_member(username="alice")
    _token, key = issue(alice.user)
    uid = urlsafe_base64_encode(force_bytes(alice.user.pk))
    link = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(alice.user)}/")
    assert link.status_code == 302

    response = client.post(
        link["Location"], {"new_password1": "a-new-long-pass-3", "new_password2": "a-new-long-pass-3"}
    )

    assert response.status_code == 302
    assert with_key(key).get(ME).json() == EXPIRED


def test_a_password_set_in_the_admin_ends_every_token(client, make_member, django_user_model):
    alice = make_member(username="alice")
    _token, key = issue(alice.user)
    django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    assert client.login(username="root", password=PASSWORD)

    response = client.post(
        f"/admin/auth/user/{alice.user.pk}/password/",
        {"password1": "a-new-long-pass-4", "password2": "a-new-long-pass-4", "usable_password": "true"},
    )

    assert response.status_code == 302
    assert with_key(key).get(ME).json() == EXPIRED


def test_closing_a_member_revokes_their_tokens(make_member):
    alice = make_member(username="alice")
    token, key = issue(alice.user)

    member_close(member=alice, actor=None)

    token.refresh_from_db()
    assert token.revoked_at is not None
    # Closing also makes its user inactive (the same steps as leaving): refused before the token is read.
    answer = with_key(key).get(ME)
    assert (answer.status_code, answer.json()["code"]) == (401, "authentication_failed")
    event = AuditEvent.objects.get(action="api_tokens_revoke")
    assert (event.reason, event.details) == ("member_close", {"tokens": [token.pk]})


def test_turning_a_second_factor_on_revokes_the_tokens_got_with_the_password_alone(staff_user):
    token, key = issue(staff_user)

    enrol(staff_user)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert with_key(key).get(TOKENS).json() == EXPIRED


@BOTH
def test_a_member_lists_their_own_live_tokens_without_keys(make_member, tokens):
    alice, bob = make_member(username="alice"), make_member(username="bob")
    phone, key = issue(alice.user, device="phone")
    laptop, _laptop_key = issue(alice.user, device="laptop")
    revoked, _revoked_key = issue(alice.user, device="old")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    issue(bob.user, device="bob's")

    response = with_key(key).get(tokens)

    assert response.status_code == 200
    rows = response.json()["results"] if isinstance(response.json(), dict) else response.json()
    assert [row["id"] for row in rows] == [laptop.pk, phone.pk]
    assert set(rows[0]) == {"id", "device", "created_at", "last_used_at", "expires_at"}
    assert key not in response.content.decode()


@BOTH
def test_a_member_revokes_a_token_through_the_api_but_not_another_members(make_member, tokens):
    alice, bob = make_member(username="alice"), make_member(username="bob")
    _phone, key = issue(alice.user)
    laptop, laptop_key = issue(alice.user, device="laptop")
    bobs, bobs_key = issue(bob.user)

    assert with_key(key).delete(f"{tokens}{bobs.pk}/").status_code == 404
    assert with_key(bobs_key).get(ME).status_code == 200
    bobs.refresh_from_db()
    assert bobs.revoked_at is None
    assert not AuditEvent.objects.filter(action="api_token_revoke").exists()

    assert with_key(key).delete(f"{tokens}{laptop.pk}/").status_code == 204
    assert with_key(laptop_key).get(ME).json() == EXPIRED
    assert with_key(key).get(ME).status_code == 200
    assert AuditEvent.objects.filter(action="api_token_revoke", object_id=str(laptop.pk)).count() == 1


def test_the_tokens_page_lists_and_revokes_ones_own_tokens_only(client, make_member):
    alice, bob = make_member(username="alice"), make_member(username="bob")
    phone, key = issue(alice.user, device="Alice's phone")
    bobs, bobs_key = issue(bob.user, device="Bob's phone")
    client.force_login(alice.user)

    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Alice&#x27;s phone" in page.content.decode()
    assert "Bob" not in page.content.decode()
    # On a phone the table stacks: each cell says what it is.
    for label in ("Device", "Created", "Last used", "Expires"):
        assert f'data-label="{label}"' in page.content.decode()

    assert client.post(PAGE, {"token": bobs.pk}).status_code == 404
    assert with_key(bobs_key).get(ME).status_code == 200

    assert client.post(PAGE, {"token": phone.pk}).status_code == 302
    assert with_key(key).get(ME).json() == EXPIRED
    assert "Alice&#x27;s phone" not in client.get(PAGE).content.decode()


def test_the_admin_lists_tokens_read_only_and_revokes_them_through_the_service(client, make_member, django_user_model):
    alice = make_member(username="alice")
    token, key = issue(alice.user)
    django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    assert client.login(username="root", password=PASSWORD)
    url = "/admin/members/apitoken/"

    assert client.get(url).status_code == 200
    assert client.get(f"{url}add/").status_code == 403
    client.post(url, {"action": "revoke", "_selected_action": [token.pk]})

    assert with_key(key).get(ME).json() == EXPIRED
    assert AuditEvent.objects.get(action="api_token_revoke").actor.username == "root"


def test_existing_authtoken_keys_keep_working_after_the_migration(make_member):
    from importlib import import_module

    adopt = import_module("members.migrations.0005_api_tokens").adopt_authtoken_keys
    alice = make_member(username="alice")
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer, created timestamp)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, alice.user.pk, timezone.now()])

    adopt(django_apps, type("Editor", (), {"connection": connection})())

    assert with_key(key).get(ME).json()["username"] == "alice"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
