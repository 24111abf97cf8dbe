"""The comptoir and payment-request inputs read amounts through the one parser."""

from __future__ import annotations

import pytest
from django.test import Client

from currency.models import Conversion, PaymentRequest
from ledger.models import Entry
from tests.conftest import account_of, api_client_for

from ._exchange import balance, make_comptoir

pytestmark = pytest.mark.django_db

FRENCH_ERROR = "Saisissez un montant en chiffres, par exemple «\u00a012.50\u00a0»."


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "fr"})
    client.force_login(user)
    return client


@pytest.fixture
def desk(django_user_model, make_member):
    comptoir, cashier = make_comptoir(django_user_model)
    return comptoir, cashier, make_member(username="camille")


def convert_on_the_page(desk, amount: str):
    comptoir, cashier, _camille = desk
    body = {
        "comptoir": comptoir.pk,
        "username": "camille",
        "amount": amount,
        "payment_method": "cash",
        "idempotency_key": "k1",
    }
    return client_for(cashier).post("/comptoir/", body)


def test_a_conversion_of_a_thousand_euros_typed_with_a_narrow_space_credits_the_exact_amount(desk):
    assert convert_on_the_page(desk, "1\u202f000,50").status_code == 302
    assert Conversion.objects.get().amount == 100050
    assert balance(account_of(desk[2], "ACH")) == 100050


@pytest.mark.parametrize("amount", ["1_0", "\u0661", "\uff11", "1e3", "12,505", "-5"])
def test_a_malformed_conversion_amount_is_a_form_error_and_writes_nothing(desk, amount):
    entries = Entry.objects.count()
    page = convert_on_the_page(desk, amount)
    assert page.status_code == 200
    assert page.context["form"].errors["amount"] == [FRENCH_ERROR]
    assert Conversion.objects.count() == 0
    assert Entry.objects.count() == entries


@pytest.mark.parametrize("amount", ["1_0", "\u0661", "\uff11", "1e3", 20, 20.5])
def test_the_conversion_api_refuses_the_same_inputs_with_400_and_writes_nothing(desk, amount):
    comptoir, cashier, camille = desk
    entries = Entry.objects.count()
    body = {"comptoir": comptoir.pk, "member": camille.pk, "amount": amount, "payment_method": "card"}
    response = api_client_for(cashier).post("/api/conversions/", body, format="json", headers={"Idempotency-Key": "k"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == {"amount": [FRENCH_ERROR]}
    assert Conversion.objects.count() == 0
    assert Entry.objects.count() == entries


def test_a_payment_request_in_hours_takes_1_h_30_and_one_in_ach_refuses_it(make_member):
    louis = make_member(username="louis")
    client = client_for(louis.user)
    assert client.post("/payments/", {"unit": "HRS", "amount": "1 h 30", "memo": "Tonte"}).status_code == 302
    assert PaymentRequest.objects.get().amount == 150
    refused = client.post("/payments/", {"unit": "ACH", "amount": "1 h 30", "memo": "Pain"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["amount"] == [
        "«\u00a01 h 30\u00a0» est une durée\u00a0: choisissez l’unité Heures, ou saisissez un montant en chiffres."
    ]
    assert PaymentRequest.objects.count() == 1
