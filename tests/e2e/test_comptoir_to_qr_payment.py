"""The whole local-currency story in a browser: euros become ACH at a comptoir, then the member
pays a business by scanning its QR payment request."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from currency.models import Comptoir, Conversion, PaymentRequest
from currency.selectors.backing import check_backing
from ledger import services as ledger
from ledger.models import Account
from members.models import Commune, Member
from tests.conftest import PASSWORD, account_of

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_comptoir_converts_euros_and_the_member_pays_a_business_by_its_qr_request(browser, live_server, make_member):
    clerk = get_user_model().objects.create_user(username="comptoir1", password=PASSWORD)
    comptoir = Comptoir.objects.create(name="Cowork des Achards", commune=Commune.objects.get(name="Les Achards"))
    comptoir.staff.add(clerk)
    bakery = make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="Boulangerie du Martinet")
    camille = make_member(username="camille", display_name="Camille")

    # 1. At the comptoir: 50 € in cash become 50 ACH on Camille's account; a receipt prints.
    office = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 900}).new_page()
    office.set_default_timeout(15_000)
    log_in(office, live_server, "comptoir1", PASSWORD)
    office.goto(f"{live_server.url}/comptoir/")
    office.fill("#id_username", "camille")
    office.fill("#id_amount", "50")
    office.select_option("#id_payment_method", "cash")
    office.click("#conversion-submit")
    office.wait_for_selector("[data-testid=receipt]")
    assert office.inner_text("[data-testid=receipt-ach]") == "50,00 ACH"
    assert Conversion.objects.get().amount == 5000
    assert account_of(camille, "ACH").balance == 5000
    assert ledger.system_account(Account.SystemCode.GUARANTEE_FUND, "EUR").balance == 5000
    assert [line.ok for line in check_backing()] == [True]

    # 2. At the bakery: a payment request shown as a QR code.
    counter = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 900}).new_page()
    counter.set_default_timeout(15_000)
    log_in(counter, live_server, "boulangerie", PASSWORD)
    counter.goto(f"{live_server.url}/payments/")
    counter.select_option("#id_unit", "ACH")
    counter.fill("#id_amount", "7,20")
    counter.fill("#id_memo", "Pain de campagne")
    counter.click("#payment-request-submit")
    counter.wait_for_selector("svg.qr")
    link = counter.inner_text("[data-testid=pay-link]").strip()

    # 3. On Camille's phone: the link the QR code encodes, one tap to pay.
    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    phone.set_default_timeout(15_000)
    log_in(phone, live_server, "camille", PASSWORD)
    phone.goto(link)
    phone.click("#confirm-payment")
    phone.wait_for_selector("[data-testid=request-status]")

    assert PaymentRequest.objects.get().status == PaymentRequest.Status.PAID
    assert account_of(camille, "ACH").balance == 4280
    assert account_of(bakery, "ACH").balance == 720
    assert [line.ok for line in check_backing()] == [True]
    phone.goto(f"{live_server.url}/")
    assert phone.inner_text("[data-testid=balance-ACH]") == "42,80 ACH"
