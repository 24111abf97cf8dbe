"""Pages of payment requests and the dashboard notices, in French and in English."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation
from djmoney.money import Money

from currency.models import PaymentRequest
from currency.services.payments import payment_request_create
from ledger.kinds import TRANSFER
from ledger.models import Transaction
from members.models import Member
from tests.conftest import PASSWORD, account_of

from .funding import give_ach


def client_for(member: Member, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    assert client.login(username=member.user.username, password=PASSWORD)
    return client


@pytest.fixture
def bakery(make_member) -> Member:
    return make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="Boulangerie des Achards")


@pytest.fixture
def camille(make_member) -> Member:
    member = make_member(username="camille", display_name="Camille")
    give_ach(member, "50.00")
    return member


def test_a_business_creates_a_request_and_sees_its_qr_code_and_link(bakery):
    client = client_for(bakery)
    page = client.get("/payments/")
    assert page.status_code == 200
    created = client.post("/payments/", {"unit": "ACH", "amount": "12,50", "memo": "2 baguettes"})
    request = PaymentRequest.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/payments/{request.token}/"
    assert request.amount == 1250 and request.payee_account == account_of(bakery, "ACH")

    detail = client.get(created["Location"]).content.decode()
    assert '<svg role="img"' in detail and 'class="qr"' in detail
    assert f"http://testserver/pay/r/{request.token}/" in detail
    assert "12,50 ACH" in detail
    listing = client.get("/payments/").content.decode()
    assert "2 baguettes" in listing and "12,50 ACH" in listing


def test_the_detail_page_is_the_payees_alone(bakery, camille):
    request = payment_request_create(
        payee_account=account_of(bakery, "ACH"), amount=Money("3", "ACH"), memo="", actor=bakery.user
    )
    assert client_for(camille).get(f"/payments/{request.token}/").status_code == 404
    assert Client().get(f"/pay/r/{request.token}/").status_code == 302  # log in first


def test_a_member_opens_the_link_and_confirms_the_payment(bakery, camille):
    request = payment_request_create(
        payee_account=account_of(bakery, "ACH"), amount=Money("12.50", "ACH"), memo="Pain", actor=bakery.user
    )
    client = client_for(camille)
    page = client.get(f"/pay/r/{request.token}/").content.decode()
    assert "Boulangerie des Achards" in page and "12,50 ACH" in page and 'id="confirm-payment"' in page

    paid = client.post(f"/pay/r/{request.token}/")
    assert paid.status_code == 302
    assert account_of(camille, "ACH").balance == 3750 and account_of(bakery, "ACH").balance == 1250

    again = client.post(f"/pay/r/{request.token}/")
    assert again.status_code == 422
    assert Transaction.objects.filter(kind=TRANSFER).count() == 1
    assert 'id="confirm-payment"' not in again.content.decode()


def test_the_pay_page_in_english_and_in_french(bakery, camille):
    request = payment_request_create(
        payee_account=account_of(bakery, "ACH"), amount=Money("12.50", "ACH"), memo="Pain", actor=bakery.user
    )
    english = client_for(camille, "en").get(f"/pay/r/{request.token}/").content.decode()
    assert 'lang="en"' in english and "Confirm payment" in english and "My accounts" in english

    french = client_for(camille, "fr").get(f"/pay/r/{request.token}/").content.decode()
    assert 'lang="fr"' in french and "12,50 ACH" in french and "Mes comptes" in french
    assert "Confirm payment" not in french


def test_the_notices_tag_shows_demurrage(make_member):
    camille = make_member(username="camille")
    give_ach(camille, "1100.00")
    template = Template("{% load currency_notices %}{% account_notices account %}")
    with translation.override("en"):
        ach = template.render(Context({"account": account_of(camille, "ACH")}))
    assert "20.00 ACH" in ach and "demurrage-preview-ACH" in ach  # 2 % of (1 100 − 100)
