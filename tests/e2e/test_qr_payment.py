"""A business shows a QR code; a member opens the link it encodes on a phone and confirms."""

from __future__ import annotations

import pytest

from currency.models import PaymentRequest
from ledger.kinds import TRANSFER
from ledger.models import Transaction
from members.models import Member
from tests.conftest import PASSWORD, account_of
from tests.currency.funding import give_ach

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_pays_a_business_by_its_qr_code_and_both_balances_move(browser, live_server, make_member):
    bakery = make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="Boulangerie des Achards")
    camille = make_member(username="camille", display_name="Camille")
    give_ach(camille, "50.00")

    shop = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 900})
    counter = shop.new_page()
    counter.set_default_timeout(15_000)
    log_in(counter, live_server, "boulangerie", PASSWORD)
    counter.goto(f"{live_server.url}/payments/")
    counter.select_option("#id_unit", "ACH")
    counter.fill("#id_amount", "12,50")
    counter.fill("#id_memo", "2 baguettes")
    counter.click("#payment-request-submit")
    counter.wait_for_selector("svg.qr")
    link = counter.inner_text("[data-testid=pay-link]").strip()
    request = PaymentRequest.objects.get()
    assert link == f"{live_server.url}/pay/r/{request.token}/"
    assert counter.inner_text("[data-testid=request-amount]") == "12,50 ACH"

    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    payer = phone.new_page()
    payer.set_default_timeout(15_000)
    log_in(payer, live_server, "camille", PASSWORD)
    payer.goto(link)
    assert "Boulangerie des Achards" in payer.inner_text("h1")
    assert payer.inner_text("[data-testid=request-amount]") == "12,50 ACH"
    assert payer.inner_text("[data-testid=request-memo]") == "2 baguettes"
    button = payer.locator("#confirm-payment")
    assert button.bounding_box()["width"] > 250  # a big button on a phone
    button.click()
    payer.wait_for_selector("[data-testid=request-status]")

    assert account_of(camille, "ACH").balance == 3750
    assert account_of(bakery, "ACH").balance == 1250
    assert Transaction.objects.filter(kind=TRANSFER).count() == 1
    assert PaymentRequest.objects.get().status == PaymentRequest.Status.PAID

    # The shop's page refreshes by itself and shows the request paid.
    counter.wait_for_selector(".payment-request[data-status=paid]", timeout=12_000)
    assert "Camille" in counter.inner_text("main")
    payer.goto(f"{live_server.url}/")
    assert payer.inner_text("[data-testid=balance-ACH]") == "37,50 ACH"
    shop.close()
    phone.close()
