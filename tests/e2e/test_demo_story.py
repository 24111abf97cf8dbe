"""The demo story on a phone, as each role, through the menu and links only (only the first page of
each role is typed: the login page or the site's root): a resident pays someone chosen by name,
records 1 h 30 in the time bank, proposes an exchange, pledges to a campaign and asks for shares;
the seller, an administrator and the auditor find what waits for them; a member resets a forgotten
password through the mail outbox."""

from __future__ import annotations

import re

import pytest

from cooperative.models import SubscriptionRequest
from core.models import OutboundEmail
from crowdfunding.models import Pledge
from exchange.models import Exchange
from ledger.models import Hold
from tests.crawl_world import build_world
from tests.factories import PASSWORD, ListingFactory, MemberFactory, account_of
from timebank.models import ServiceRecord

from .conftest import log_in, no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def menu(page, key: str) -> None:
    """Follow the menu link `data-nav=key` as on a phone: the menu button, the link's group, the link."""
    button = page.locator("[data-menu-button]")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()
    link = page.locator(f"#site-menu a[data-nav='{key}']")
    group = page.locator("#site-menu [data-nav-group]", has=page.locator(f"a[data-nav='{key}']"))
    toggle = group.locator("[data-nav-toggle]")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    link.click()
    page.wait_for_load_state()


def pick(page, field: str, typed: str, name: str) -> None:
    """Choose a member in a combobox by typing part of the name, then ArrowDown and Enter."""
    combobox = page.locator(f"#{field}")
    combobox.press_sequentially(typed, delay=30)
    page.wait_for_selector(f"#{field}_listbox [role=option]")
    combobox.press("ArrowDown")
    combobox.press("Enter")
    assert combobox.input_value() == name


def plain(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def fits(page) -> None:
    assert no_horizontal_scroll(page), page.url


def test_a_resident_pays_records_proposes_pledges_and_asks_for_shares_and_the_seller_is_told(page, live_server):
    world = build_world()
    resident, business = world.resident, world.business
    seller = MemberFactory(username="louis", display_name="Louis Gaborit")
    ListingFactory(author=seller, title="Confiture de mûres", description="Trois pots, faits maison.")
    log_in(page, live_server, resident.user.username, PASSWORD)

    # 1. Pay someone chosen by name: 12,50 ACH to the bakery.
    menu(page, "pay")
    pick(page, "id_recipient", "boulan", "Boulangerie Gaborit")
    page.select_option("#id_unit", "ACH")
    page.fill("#id_amount", "12,50")
    page.fill("#id_memo", "Pains")
    page.click("#pay-submit")
    page.wait_for_selector("[data-testid=statement-balance]")
    assert plain(page.inner_text("[data-testid=statement-party] >> nth=0")) == "Boulangerie Gaborit"
    assert plain(page.inner_text("[data-testid=statement-amount] >> nth=0")) == "−12,50 ACH"
    assert plain(page.inner_text("[data-testid=statement-balance]")) == "37,50 ACH"
    assert (account_of(resident, "ACH").balance, account_of(business, "ACH").balance) == (3750, 3250)
    fits(page)

    # 2. The time bank: 1 h 30 of service to the seller, picked by name.
    menu(page, "timebank")
    pick(page, "id_record-receiver", "louis", "Louis Gaborit")
    page.fill("#id_record-hours", "1 h 30")
    page.fill("#id_record-description", "Taille de la haie")
    page.click("#record-submit")
    page.wait_for_selector(".messages")
    record = ServiceRecord.objects.get(receiver=seller)
    assert (record.provider, record.amount, record.status) == (resident, 150, ServiceRecord.Status.PENDING)
    row = page.locator("[data-testid=records-asked] tr", has_text="Taille de la haie")
    assert [plain(cell) for cell in row.locator("td").all_inner_texts()[1:]] == [
        "Louis Gaborit",
        "Taille de la haie",
        "1 h 30",
        "En attente de confirmation",
    ]
    fits(page)

    # 3. The marketplace: the seller's jam, an exchange proposed, "Demandé".
    menu(page, "marketplace")
    page.click("[data-testid=listing-results] a:has-text('Confiture de mûres')")
    page.click("#propose-exchange")
    page.fill("#id_message", "Samedi ?")
    page.click("#propose-submit")
    page.wait_for_selector("[data-testid=exchange-status]")
    exchange = Exchange.objects.get(listing__author=seller)
    assert (exchange.buyer, exchange.amount, exchange.status) == (resident, 2000, Exchange.Status.REQUESTED)
    assert page.inner_text("[data-testid=exchange-status]") == "Demandé"
    fits(page)

    # 4. Crowdfunding: 10 ACH pledged to the live campaign, held.
    menu(page, "crowdfunding")
    page.click("[data-campaign] h2 a:has-text('Fablab')")
    page.click("#back-project")
    page.fill("#id_amount", "10")
    page.click("#pledge-submit")
    page.wait_for_selector("[data-testid=my-pledge-amount]")
    pledge = Pledge.objects.get(backer=resident)
    assert (pledge.amount, pledge.status) == (1000, Pledge.Status.ACTIVE)
    assert Hold.objects.get(pk=pledge.hold_id).amount == 1000
    assert plain(page.inner_text("[data-testid=my-pledge-amount]")) == "10,00 ACH"
    assert account_of(resident, "ACH").held == 1000
    fits(page)

    # 5. The cooperative: 2 B shares asked for, the request waiting for the board.
    menu(page, "cooperative")
    page.click("[data-cooperative] h2 a:has-text('SCIC Tiers-Lieux')")
    page.click("#ask-for-shares")
    page.locator("input[name=share_class]").last.check()
    page.fill("#id_quantity", "2")
    assert plain(page.inner_text("[data-testid=subscription-total]")) == "40,00 €"
    page.locator("input[name=college]").nth(1).check()
    page.click("#subscribe-submit")
    page.wait_for_selector("[data-request^=subscription-]")
    request = SubscriptionRequest.objects.get(member=resident)
    assert (request.quantity, request.status) == (2, "requested")
    fits(page)
    page.context.clear_cookies()

    # 6. The seller: the bell says one unread, the home one exchange to answer, and it leads there.
    log_in(page, live_server, "louis", PASSWORD)
    assert page.get_attribute("[data-testid=notifications-bell]", "aria-label") == "Notifications, 1 non lue"
    item = page.locator("[data-inbox-key=exchanges] a")
    assert plain(item.inner_text()) == "1 échange attend votre réponse"
    item.click()
    page.click(f"[data-exchange='{exchange.pk}'] a")
    page.wait_for_selector("#action-accept")
    assert page.inner_text("[data-testid=exchange-status]") == "Demandé"


def queue(page) -> tuple[dict[str, str], list[str]]:
    """The home's "À traiter": the items with their counts, and the keys of the work shortcuts."""
    items = {
        item.get_attribute("data-inbox-key"): plain(item.inner_text())
        for item in page.locator("li.inbox-item[data-inbox-key]").all()
    }
    shortcuts = [item.get_attribute("data-inbox-key") for item in page.locator(".inbox-shortcuts a").all()]
    return items, shortcuts


def test_the_shopkeeper_the_clerk_the_administrator_and_the_auditor_find_what_waits_for_them(page, live_server):
    world = build_world()

    # The bakery: the world's proposal, the 1 h 30 of gardening to confirm, its payment request.
    log_in(page, live_server, world.business.user.username, PASSWORD)
    assert queue(page) == (
        {
            "payment_requests": "1 demande de paiement en attente de règlement",
            "timebank": "1 service reçu à confirmer",
            "exchanges": "1 échange attend votre réponse",
        },
        [],
    )
    page.click("[data-inbox-key=timebank] a")
    page.wait_for_selector("h1")
    assert "Jardinage" in page.inner_text("main")
    fits(page)
    page.context.clear_cookies()

    # The clerk: nothing counted, the exchange office one tap away.
    log_in(page, live_server, world.clerk.username, PASSWORD)
    assert page.inner_text("h1") == "À traiter"
    assert queue(page) == ({}, ["comptoir"])
    page.click(".inbox-shortcuts [data-inbox-key=comptoir]")
    page.wait_for_selector("h1")
    assert "Comptoir Cowork" in page.inner_text("main")
    fits(page)
    page.context.clear_cookies()

    log_in(page, live_server, world.administrator.username, PASSWORD)
    assert page.inner_text("h1") == "À traiter"
    assert queue(page) == (
        {"reconversions": "1 demande de reconversion à examiner"},
        ["audit", "comptoir", "moderation", "approvals"],
    )
    fits(page)
    page.click("[data-inbox-key=reconversions] a")
    page.wait_for_selector("h1")
    assert "Boulangerie Gaborit" in page.inner_text("main")
    fits(page)
    page.context.clear_cookies()

    log_in(page, live_server, world.auditor.username, PASSWORD)
    assert page.inner_text("h1") == "À traiter"
    # No export of hers failed (the world's one is under way): nothing counted, her room one tap away.
    assert queue(page) == ({}, ["audit"])
    fits(page)
    page.click(".inbox-shortcuts [data-inbox-key=audit]")
    page.wait_for_url(f"{live_server.url}/audit/")
    assert page.locator("h1").count() == 1
    fits(page)


def test_a_member_resets_a_forgotten_password_through_the_mail_outbox(page, live_server, mailoutbox):
    MemberFactory(username="louis", display_name="Louis Gaborit", email="louis@example.org")
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("text=Mot de passe oublié ?")
    page.fill("#id_email", "louis@example.org")
    page.click("main button[type=submit].primary")
    page.wait_for_load_state()
    # The outbox row is sent and keeps no body (the link must not stay readable in the database):
    # the link is read from the mail as delivered (the test's in-memory mailbox).
    queued = OutboundEmail.objects.get()
    assert (queued.to, queued.status, queued.body) == (["louis@example.org"], "sent", "")
    assert [mail.to for mail in mailoutbox] == [["louis@example.org"]]
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mailoutbox[0].body)
    assert link is not None, mailoutbox[0].body
    page.goto(link.group(0))  # as the member's mail app opens it
    page.fill("#id_new_password1", "Haie-de-charmes-1987")
    page.fill("#id_new_password2", "Haie-de-charmes-1987")
    page.click("main button[type=submit].primary")
    assert page.inner_text("h1") == "Mot de passe changé"
    page.click("main a.button.primary")
    page.fill("#id_username", "louis")
    page.fill("#id_password", "Haie-de-charmes-1987")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")
    assert page.inner_text("h1") == "Mes comptes"
