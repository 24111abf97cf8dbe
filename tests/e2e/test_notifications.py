"""Notifications in the browser, on a phone: a seller is told of a proposal on the site, opens it (it
is then read and leads to the exchange), and chooses not to get that kind by e-mail."""

from __future__ import annotations

import pytest

from core.models import Notification, NotificationPreference
from core.notifications import kinds as notification_kinds
from exchange.models import Exchange
from tests.conftest import PASSWORD
from tests.exchange.test_exchange_support import listing_of, propose

from .conftest import log_in, no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_seller_reads_a_proposal_and_turns_its_mail_off(page, live_server, make_member):
    seller = make_member(username="louis", display_name="Louis Gaborit", email="louis@example.org")
    buyer = make_member(username="maud", display_name="Maud Rivière")
    exchange = propose(listing_of(seller, title="Pain au levain"), buyer)
    log_in(page, live_server, "louis", PASSWORD)
    page.set_viewport_size({"width": 360, "height": 800})

    # The header's bell says how many are unread and leads to the list.
    bell = page.locator("[data-testid=notifications-bell]")
    assert bell.get_attribute("aria-label") == "Notifications, 1 non lue"
    bell.click()
    page.wait_for_selector("[data-testid=notifications]")
    assert page.inner_text("h1") == "Notifications"
    assert page.inner_text("[data-testid=notifications-unread]") == "1 notification non lue"
    item = page.locator("li.notification.unread button.notification-open")
    assert item.text_content() == (
        "Non lue\u00a0: Maud Rivière propose un échange sur «\u00a0Pain au levain\u00a0» pour 20,00 GRN."
    )
    assert no_horizontal_scroll(page)

    item.click()
    page.wait_for_url(f"{live_server.url}/exchanges/{exchange.pk}/")
    assert Exchange.objects.get().pk == exchange.pk
    assert Notification.objects.get().read_at is not None

    page.goto(f"{live_server.url}/notifications/")
    assert page.locator("li.notification.unread").count() == 0
    page.click("text=Choisir les notifications reçues par e-mail")
    page.wait_for_selector("form.notification-preferences")
    assert no_horizontal_scroll(page)
    page.uncheck("#id_exchange_proposed")
    page.click("form.notification-preferences button[type=submit]")
    page.wait_for_selector(".messages")
    # The kinds mailed by default that the seller turned off (the form stores every kind's choice;
    # those off by default, like a booking's confirmation, stay off).
    mailed_by_default = {kind.code for kind in notification_kinds() if kind.emailed_by_default}
    turned_off = NotificationPreference.objects.filter(user=seller.user, email=False).values_list("kind", flat=True)
    assert [kind for kind in turned_off if kind in mailed_by_default] == ["exchange_proposed"]
    assert not page.is_checked("#id_exchange_proposed")
