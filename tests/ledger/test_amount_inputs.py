"""The Pay page and the transfer API read amounts through the one parser (core.amounts)."""

from __future__ import annotations

import pytest
from django.test import Client

from ledger.kinds import TRANSFER
from ledger.models import Entry, Transaction
from members.models import Member
from tests.conftest import PASSWORD, account_of, api_client_for
from tests.currency.funding import give_ach

FRENCH_ERROR = "Saisissez un montant en chiffres, par exemple «\u00a012.50\u00a0»."


def client_for(member: Member, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    assert client.login(username=member.user.username, password=PASSWORD)
    return client


def pay(client: Client, unit: str, amount: str, key: str = "k1"):
    body = {"recipient": "bob", "unit": unit, "amount": amount, "memo": "", "idempotency_key": key}
    return client.post("/pay/", body)


@pytest.fixture
def alice_and_bob(make_member) -> tuple[Member, Member]:
    alice = make_member(username="alice")
    give_ach(alice, "2000.00")
    return alice, make_member(username="bob")


def test_paying_one_hour_and_a_half_typed_as_1_h_30_moves_150_hundredths(alice_and_bob):
    alice, bob = alice_and_bob
    response = pay(client_for(alice), "HRS", "1 h 30")
    assert response.status_code == 302, response.content.decode()
    assert account_of(bob, "HRS").balance == 150
    assert account_of(alice, "HRS").balance == -150


@pytest.mark.parametrize("amount", ["1 000,50", "1\u00a0000,50", "1\u202f000.50"])
def test_paying_a_thousand_typed_the_french_way_moves_the_exact_amount(alice_and_bob, amount):
    alice, bob = alice_and_bob
    assert pay(client_for(alice), "ACH", amount).status_code == 302
    assert account_of(bob, "ACH").balance == 100050
    assert account_of(alice, "ACH").balance == 99950


@pytest.mark.parametrize(
    ("unit", "amount"),
    [("ACH", "1_0"), ("ACH", "\u0661"), ("ACH", "\uff11"), ("ACH", "1e3"), ("ACH", "-5"), ("ACH", "1,2,3")],
)
def test_a_malformed_amount_on_the_pay_page_is_a_form_error_and_moves_nothing(alice_and_bob, unit, amount):
    alice, _bob = alice_and_bob
    entries = Entry.objects.count()
    page = pay(client_for(alice), unit, amount)
    assert page.status_code == 200
    assert page.context["form"].errors["amount"] == [FRENCH_ERROR]
    assert Entry.objects.count() == entries
    assert Transaction.objects.filter(kind=TRANSFER).count() == 0


def test_a_duration_typed_for_another_unit_than_hours_says_so_and_moves_nothing(alice_and_bob):
    alice, _bob = alice_and_bob
    page = pay(client_for(alice), "ACH", "1 h 30")
    assert page.status_code == 200
    assert page.context["form"].errors["amount"] == [
        "«\u00a01 h 30\u00a0» est une durée\u00a0: choisissez l’unité Heures, ou saisissez un montant en chiffres."
    ]
    assert Transaction.objects.filter(kind=TRANSFER).count() == 0
    english = pay(client_for(alice, "en"), "ACH", "1 h 30")
    assert english.context["form"].errors["amount"] == [
        "“1 h 30” is a duration: choose the unit Hours, or type an amount in digits."
    ]


@pytest.mark.parametrize("amount", ["1 234,50", "1234.50", "1 234,5", "1\u202f234,50", "1 234,50 €", "1234,50 ACH"])
def test_paying_an_amount_typed_every_french_way_moves_exactly_1234_50(alice_and_bob, amount):
    alice, bob = alice_and_bob
    assert pay(client_for(alice), "ACH", amount).status_code == 302
    assert account_of(bob, "ACH").balance == 123450


@pytest.mark.parametrize("amount", ["1_0", "\u0661", "\uff11", "1e3", 10])
def test_the_transfer_api_refuses_the_same_inputs_with_the_same_message(alice_and_bob, amount):
    alice, bob = alice_and_bob
    entries = Entry.objects.count()
    body = {"from_account": account_of(alice, "ACH").pk, "to_account": account_of(bob, "ACH").pk, "amount": amount}
    response = api_client_for(alice.user).post("/api/transfers/", body, format="json", headers={"Idempotency-Key": "k"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == {"amount": [FRENCH_ERROR]}
    assert Entry.objects.count() == entries
