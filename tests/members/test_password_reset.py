"""The forgotten-password page: its requests are limited per address and per e-mail (the same
refusal whether the e-mail names an account or not), and each link sent is audited."""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import AuditEvent, OutboundEmail

pytestmark = pytest.mark.django_db

RESET = "/accounts/password_reset/"
REFUSAL = "Too many password reset requests from here or for this address: try again in an hour."


def ask(email: str, address: str = "192.0.2.1"):
    return Client(headers={"accept-language": "en"}).post(RESET, {"email": email}, REMOTE_ADDR=address)


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@bocage.test", "bocage-test-password-1")


def test_a_link_sent_is_audited_and_an_unknown_address_writes_nothing(alice):
    assert ask("nobody@bocage.test")["Location"] == "/accounts/password_reset/done/"
    assert (OutboundEmail.objects.count(), AuditEvent.objects.count()) == (0, 0)

    assert ask("alice@bocage.test")["Location"] == "/accounts/password_reset/done/"

    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [["alice@bocage.test"]]
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id, event.actor) == (
        "password_reset_request",
        "auth.user",
        str(alice.pk),
        None,
    )


def test_one_address_may_ask_five_times_an_hour_whatever_the_e_mails(alice, settings):
    settings.BOCAGE_PASSWORD_RESET_RATE_PER_HOUR = 5
    for number in range(5):
        assert ask(f"someone{number}@bocage.test").status_code == 302

    refused = ask("alice@bocage.test")

    assert refused.status_code == 429
    assert REFUSAL in refused.content.decode()
    assert (OutboundEmail.objects.count(), AuditEvent.objects.count()) == (0, 0)
    assert ask("alice@bocage.test", address="192.0.2.2").status_code == 302  # another address may
    assert OutboundEmail.objects.count() == 1


def test_one_e_mail_may_be_asked_for_five_times_an_hour_whatever_the_addresses(alice, settings):
    settings.BOCAGE_PASSWORD_RESET_RATE_PER_HOUR = 5
    for number in range(5):
        assert ask("Alice@bocage.test", address=f"192.0.2.{10 + number}").status_code == 302
    assert OutboundEmail.objects.count() == 5

    refused = ask("alice@bocage.test", address="198.51.100.7")

    assert refused.status_code == 429 and REFUSAL in refused.content.decode()
    assert OutboundEmail.objects.count() == 5
    assert AuditEvent.objects.filter(action="password_reset_request").count() == 5
    # The same refusal for an address that names no account: it tells nothing.
    for _ in range(5):
        ask("nobody@bocage.test", address="203.0.113.9")
    assert REFUSAL in ask("nobody@bocage.test", address="203.0.113.10").content.decode()
