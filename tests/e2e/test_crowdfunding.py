"""Crowdfunding in the browser, on a phone: a backer pledges for a reward through the form, sees
the hold on the dashboard and on the campaign page; the deadline passes (the closing service is
run as the beat task would run it just after the deadline); the campaign page shows it paid out,
the backer's statement shows the pledge collected, and the owner sees the payout in the balance."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext
from djmoney.money import Money

from crowdfunding.models import Campaign, Pledge
from crowdfunding.services.closing import campaign_close
from ledger.models import Hold
from tests.conftest import PASSWORD, account_of
from tests.crowdfunding.helpers import live_campaign, past_deadline, tier
from tests.currency.funding import give_ach

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _phone(browser, live_server, username):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, username, PASSWORD)
    return context, page


def _fits_the_phone(page) -> None:
    """Nothing wider than the 390 px screen: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def _on_hold(page, unit: str):
    """The dashboard's "On hold" figure of an account (shown only while something is held)."""
    with translation.override("fr"):
        label = gettext("On hold")
    return page.locator(
        f"xpath=//article[@data-unit='{unit}']//dt[normalize-space()='{label}']/following-sibling::dd[1]"
    )


def test_a_backer_pledges_the_deadline_passes_and_the_owner_is_paid(browser, live_server, make_member):
    owner = make_member(username="fablab", display_name="Fablab des Achards")
    backer = make_member(username="helene", display_name="Hélène Bernard")
    give_ach(backer, "100")
    campaign = live_campaign(
        owner,
        goal="20",
        tiers=[
            {"title": "Sac en toile", "minimum": Money("15", "ACH"), "stock": 10},
            {"title": "Atelier découverte", "minimum": Money("40", "ACH")},
        ],
    )
    bag = tier(campaign, "Sac en toile")
    context_b, page_b = _phone(browser, live_server, "helene")

    # The backer finds the campaign in the list and opens it.
    page_b.goto(f"{live_server.url}/campaigns/")
    _fits_the_phone(page_b)
    page_b.click(f"[data-campaign='{campaign.pk}'] h2 a")
    page_b.wait_for_url(f"{live_server.url}/campaigns/{campaign.pk}/")
    assert page_b.inner_text("[data-testid=campaign-pledged]") == "0,00 ACH"
    assert page_b.get_attribute("[data-testid=campaign-progress]", "aria-valuenow") == "0"
    _fits_the_phone(page_b)

    # Backs it with a reward through the form: choosing the reward puts its minimum in the amount.
    page_b.click("#back-project")
    page_b.wait_for_selector("#pledge-form")
    assert page_b.inner_text("[data-testid=available]") == "100,00 ACH"
    _fits_the_phone(page_b)
    page_b.check(f"#tier-{bag.pk}")
    assert page_b.input_value("#id_amount") == "15,00"
    page_b.fill("#id_amount", "25")
    page_b.click("#pledge-submit")
    page_b.wait_for_url(f"{live_server.url}/campaigns/{campaign.pk}/")
    pledge = Pledge.objects.get()
    assert (pledge.backer, pledge.tier, pledge.amount, pledge.status) == (backer, bag, 2500, Pledge.Status.ACTIVE)
    assert Hold.objects.get().amount == 2500
    assert page_b.inner_text("[data-testid=my-pledge-amount]") == "25,00 ACH"
    assert page_b.inner_text("[data-testid=campaign-pledged]") == "25,00 ACH"
    assert page_b.inner_text("[data-testid=campaign-percent]") == "125 %"
    assert page_b.get_attribute("[data-testid=campaign-progress]", "aria-valuenow") == "100"

    # The hold shows on the dashboard: the balance is whole, 25 are on hold, 75 available.
    page_b.goto(f"{live_server.url}/")
    assert page_b.inner_text("[data-testid=balance-ACH]") == "100,00 ACH"
    assert page_b.inner_text("[data-testid=available-ACH]") == "75,00 ACH"
    assert _on_hold(page_b, "ACH").inner_text() == "25,00 ACH"

    # The deadline passes: the closing service runs as the beat task would, just after it.
    closed, report = campaign_close(campaign=campaign, now=past_deadline(campaign))
    assert (closed.status, report.pledges_settled, report.paid_out) == (Campaign.Status.PAID_OUT, 1, 1)
    assert (closed.raised_total, closed.fee_amount, closed.payout_amount) == (2500, 75, 2425)

    page_b.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    page_b.wait_for_selector(".cf-campaign[data-status=paid_out]")
    assert page_b.inner_text("[data-testid=result-raised]") == "25,00 ACH"
    assert page_b.inner_text("[data-testid=result-payout]") == "24,25 ACH"
    assert page_b.inner_text("[data-testid=result-fee]") == "0,75 ACH"
    assert page_b.inner_text("[data-testid=my-pledge-amount]") == "25,00 ACH"
    _fits_the_phone(page_b)

    # The backer's statement shows the pledge collected: 25 ACH out, nothing on hold any more.
    account = account_of(backer, "ACH")
    assert (account.balance, account.held) == (7500, 0)
    page_b.goto(f"{live_server.url}/accounts/{account.pk}/statement/")
    assert page_b.inner_text("[data-testid=statement-balance]") == "75,00 ACH"
    statement = page_b.inner_text("table")
    assert "−25,00 ACH" in statement and campaign.title in statement
    page_b.goto(f"{live_server.url}/")
    assert page_b.inner_text("[data-testid=available-ACH]") == "75,00 ACH"
    assert _on_hold(page_b, "ACH").count() == 0  # nothing held any more
    context_b.close()

    # The owner logs in and finds the payout in the balance, and on the dashboard of the campaign.
    context_o, page_o = _phone(browser, live_server, "fablab")
    assert page_o.inner_text("[data-testid=balance-ACH]") == "24,25 ACH"
    owner_account = account_of(owner, "ACH")
    page_o.goto(f"{live_server.url}/accounts/{owner_account.pk}/statement/")
    assert page_o.inner_text("[data-testid=statement-balance]") == "24,25 ACH"
    assert "+24,25 ACH" in page_o.inner_text("table")
    page_o.goto(f"{live_server.url}/campaigns/{campaign.pk}/dashboard/")
    assert page_o.inner_text("[data-testid=result-payout]") == "24,25 ACH"
    assert "Hélène Bernard" in page_o.inner_text("[data-testid=backers-table]")
    _fits_the_phone(page_o)
    context_o.close()
