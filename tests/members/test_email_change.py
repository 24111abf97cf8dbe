"""Changing one's e-mail address: applied only from the link sent to the new address, rate-limited, audited."""

from __future__ import annotations

import re

import pytest
from django.core import signing

from core.models import AuditEvent, OutboundEmail
from members.services import EMAIL_CHANGE_SALT

pytestmark = pytest.mark.django_db

PAGE = "/me/profile/"
CONFIRM = "/me/email/confirm/"


def ask(client, email: str):
    return client.post(PAGE, {"action": "email", "email": email})


def link_in(mail: OutboundEmail) -> str:
    return re.search(r"http://testserver(/me/email/confirm/\?link=\S+)", mail.body).group(1)


def test_the_address_changes_only_once_the_new_address_confirms(client, make_member):
    alice = make_member(username="alice", email="alice@old.example")
    client.force_login(alice.user)

    response = ask(client, "alice@new.example")

    assert response.status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.email == "alice@old.example"
    to_new = OutboundEmail.objects.get(to=["alice@new.example"])
    to_old = OutboundEmail.objects.get(to=["alice@old.example"])
    assert "alice@new.example" not in to_old.body  # the notice does not spread the new address
    link = link_in(to_new)
    assert AuditEvent.objects.filter(action="member_email_change_request", object_id=str(alice.pk)).count() == 1

    page = client.get(link)
    assert page.status_code == 200 and "alice@new.example" in page.content.decode()
    alice.user.refresh_from_db()
    assert alice.user.email == "alice@old.example"  # following the link shows; the button changes

    done = client.post(CONFIRM, {"link": link.split("link=", 1)[1]})

    assert done.status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.email == "alice@new.example"
    assert AuditEvent.objects.filter(action="member_email_change", object_id=str(alice.pk)).count() == 1
    # The link works once.
    again = client.post(CONFIRM, {"link": link.split("link=", 1)[1]})
    assert again.status_code == 400


def test_a_tampered_or_expired_link_changes_nothing(client, make_member, settings):
    alice = make_member(username="alice", email="alice@old.example")
    client.force_login(alice.user)
    ask(client, "alice@new.example")
    signed = link_in(OutboundEmail.objects.get(to=["alice@new.example"])).split("link=", 1)[1]

    assert client.post(CONFIRM, {"link": signed[:-2] + "xx"}).status_code == 400
    settings.BOCAGE_EMAIL_CHANGE_LINK_SECONDS = -1
    assert client.post(CONFIRM, {"link": signed}).status_code == 400

    alice.user.refresh_from_db()
    assert alice.user.email == "alice@old.example"
    assert not AuditEvent.objects.filter(action="member_email_change").exists()


def test_another_users_link_changes_nothing(client, make_member):
    alice = make_member(username="alice", email="alice@old.example")
    bob = make_member(username="bob", email="bob@example.org")
    signed = signing.dumps(
        {"member": alice.pk, "old": "alice@old.example", "new": "mallory@example.org"}, salt=EMAIL_CHANGE_SALT
    )
    client.force_login(bob.user)

    assert client.get(f"{CONFIRM}?link={signed}").status_code == 400
    assert client.post(CONFIRM, {"link": signed}).status_code == 400

    alice.user.refresh_from_db()
    bob.user.refresh_from_db()
    assert (alice.user.email, bob.user.email) == ("alice@old.example", "bob@example.org")


def test_an_address_taken_meanwhile_is_refused_on_click(client, make_member, django_user_model):
    alice = make_member(username="alice", email="alice@old.example")
    client.force_login(alice.user)
    ask(client, "shared@example.org")
    signed = link_in(OutboundEmail.objects.get(to=["shared@example.org"])).split("link=", 1)[1]
    django_user_model.objects.create_user(username="carol", email="Shared@example.org")

    response = client.post(CONFIRM, {"link": signed}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert "already used by another account" in response.content.decode()
    alice.user.refresh_from_db()
    assert alice.user.email == "alice@old.example"


def test_an_address_already_used_is_refused_at_once(client, make_member):
    alice = make_member(username="alice", email="alice@old.example")
    make_member(username="bob", email="bob@example.org")
    client.force_login(alice.user)

    response = ask(client, "BOB@example.org")

    assert response.status_code == 400
    assert not OutboundEmail.objects.exists()
    assert not AuditEvent.objects.filter(action="member_email_change_request").exists()


def test_requests_are_limited_per_hour(client, make_member, settings):
    settings.BOCAGE_EMAIL_CHANGE_PER_HOUR = 3
    alice = make_member(username="alice", email="alice@old.example")
    client.force_login(alice.user)
    for n in range(3):
        assert ask(client, f"alice{n}@new.example").status_code == 302
    mails = OutboundEmail.objects.count()

    response = client.post(PAGE, {"action": "email", "email": "alice9@new.example"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "Too many e-mail changes asked for" in response.content.decode()
    assert OutboundEmail.objects.count() == mails
    assert not OutboundEmail.objects.filter(to=["alice9@new.example"]).exists()
    assert AuditEvent.objects.filter(action="member_email_change_request").count() == 3
