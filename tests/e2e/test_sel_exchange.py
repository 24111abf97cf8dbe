"""A SEL exchange in the browser: A publishes an offer, B finds it by search and proposes,
A accepts (B's amount goes on hold), A marks it delivered, B confirms, and both statements
show the payment."""

from __future__ import annotations

import pytest

from exchange.models import Category, Exchange, Listing
from ledger.kinds import HOLD_CAPTURE
from ledger.models import Hold, Transaction
from tests.conftest import PASSWORD, account_of

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _phone(browser, live_server, username):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, username, PASSWORD)
    return context, page


def test_an_offer_is_proposed_accepted_delivered_confirmed_and_paid(browser, live_server, make_member):
    alice = make_member(username="alice", display_name="Alice Potager")
    bruno = make_member(username="bruno", display_name="Bruno Lefèvre")
    context_a, page_a = _phone(browser, live_server, "alice")
    context_b, page_b = _phone(browser, live_server, "bruno")

    # A publishes an offer through the form.
    vegetables = Category.objects.filter(parent__isnull=False).order_by("position", "id").first()
    page_a.goto(f"{live_server.url}/marketplace/new/")
    page_a.select_option("#id_kind", "offer")
    page_a.fill("#id_title", "Panier de légumes")
    page_a.fill("#id_description", "Un panier de légumes de saison, cueillis le matin.")
    page_a.select_option("#id_category", str(vegetables.pk))
    page_a.select_option("#id_unit", "GRN")
    page_a.fill("#id_price", "20")
    page_a.click("#listing-submit")
    page_a.wait_for_load_state()
    listing = Listing.objects.get()
    assert (listing.author, listing.unit, listing.price) == (alice, "GRN", 2000)

    # B finds it by searching the marketplace and proposes an exchange from its page.
    page_b.goto(f"{live_server.url}/")
    assert page_b.inner_text("[data-testid=available-GRN]") == "500,00 GRN"
    page_b.goto(f"{live_server.url}/marketplace/?q=l%C3%A9gumes")
    page_b.click("[data-testid=listing-results] a:has-text('Panier de légumes')")
    page_b.click("#propose-exchange")
    assert page_b.inner_text("[data-testid=listing-title]") == "Panier de légumes"
    assert page_b.input_value("#id_amount") == "20,00"
    page_b.fill("#id_message", "Samedi au marché ?")
    page_b.click("#propose-submit")
    page_b.wait_for_selector("[data-testid=exchange-status]")
    exchange = Exchange.objects.get()
    assert page_b.url == f"{live_server.url}/exchanges/{exchange.pk}/"
    assert page_b.inner_text("[data-testid=exchange-amount]") == "20,00 GRN"
    assert page_b.locator("#action-accept").count() == 0

    page_a.goto(f"{live_server.url}/exchanges/")
    page_a.click(f"[data-exchange='{exchange.pk}'] a")
    page_a.click("#action-accept")
    page_a.wait_for_selector(".exchange[data-status=accepted]")
    assert Hold.objects.get().status == Hold.Status.PENDING

    page_b.goto(f"{live_server.url}/")
    assert page_b.inner_text("[data-testid=available-GRN]") == "480,00 GRN"
    assert page_b.inner_text("[data-testid=balance-GRN]") == "0,00 GRN"

    page_a.click("#action-deliver")
    page_a.wait_for_selector(".exchange[data-status=delivered]")
    page_b.goto(f"{live_server.url}/exchanges/{exchange.pk}/")
    assert page_b.locator("#action-deliver").count() == 0
    page_b.click("#action-confirm")
    page_b.wait_for_selector(".exchange[data-status=completed]")
    assert page_b.locator("[data-testid=timeline] li").count() == 4

    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1
    for page, member, balance in [(page_b, bruno, "−20,00 GRN"), (page_a, alice, "20,00 GRN")]:
        account = account_of(member, "GRN")
        page.goto(f"{live_server.url}/accounts/{account.pk}/statement/")
        assert page.inner_text("[data-testid=statement-balance]") == balance
        assert f"Échange n°\u00a0{exchange.pk}" in page.inner_text("table")
        assert "20,00 GRN" in page.inner_text("table")
    context_a.close()
    context_b.close()
