"""On a phone, a member's home says what waits for them and leads there; staff land on their queue."""

from __future__ import annotations

import os

import pytest

from crowdfunding.services.campaigns import campaign_submit
from tests.conftest import PASSWORD
from tests.crowdfunding.helpers import draft_campaign
from tests.exchange.test_exchange_support import listing_of, propose
from tests.factories import moderator

from .conftest import log_in, no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("BOCAGE_E2E_SCREENSHOTS")  # a folder: save what the tests saw, to look at


def test_a_member_follows_to_handle_to_the_exchanges_waiting(page, live_server, make_member):
    louise = make_member(username="louise", display_name="Louise Gaborit")
    bread = listing_of(louise, unit="GRN", price=2500)
    propose(bread, make_member(username="voisine", display_name="La voisine"))
    propose(bread, make_member(username="voisin", display_name="Le voisin"))

    page.set_viewport_size({"width": 360, "height": 800})
    log_in(page, live_server, "louise", PASSWORD)
    item = page.locator("[data-inbox-key=exchanges] a")
    assert " ".join(item.inner_text().split()) == "2 échanges attendent votre réponse"
    assert no_horizontal_scroll(page)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "inbox-member.png"), full_page=True)
    item.click()
    page.wait_for_url(f"{live_server.url}/exchanges/")
    assert page.locator("h1").count() == 1


def test_a_moderator_lands_on_the_campaigns_to_review(page, live_server, make_member):
    owner = make_member(username="fablab")
    campaign_submit(campaign=draft_campaign(owner), actor=owner.user)
    moderator()

    log_in(page, live_server, "moderatrice", PASSWORD)
    assert page.inner_text("h1") == "À traiter"
    assert "pas encore de compte" not in page.inner_text("main")
    item = page.locator("[data-inbox-key=moderation] a")
    assert " ".join(item.inner_text().split()) == "1 campagne à modérer"
    assert no_horizontal_scroll(page)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "inbox-staff.png"), full_page=True)
    item.click()
    page.wait_for_url(f"{live_server.url}/campaigns/moderation/")
