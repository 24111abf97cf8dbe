"""The share register in the browser, on phones: a member asks for 3 B shares through the form (the
total in euros shows as she types), the board's secretary approves the request and marks it paid
from the approvals queue, and the member finds her 3 shares (60,00 €) in "my shares" and downloads
the certificate of her subscription, a PDF."""

from __future__ import annotations

import pytest

from cooperative.models import ShareMovement, SubscriptionRequest
from cooperative.selectors import capital_at
from tests.conftest import PASSWORD
from tests.cooperative.helpers import administrator, college, found_scic, share_class

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _phone(browser, live_server, username):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, username, PASSWORD)
    return context, page


def _fits_the_phone(page) -> None:
    """Nothing wider than the 390 px screen: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def _text(page, selector: str) -> str:
    """The element's text with the no-break spaces of French amounts made plain."""
    return " ".join(page.inner_text(selector).replace("\u202f", " ").replace("\u00a0", " ").split())


def test_a_member_asks_for_shares_the_board_approves_and_she_downloads_her_certificate(
    browser, live_server, make_member
):
    coop = found_scic()
    administrator()
    helene = make_member(username="helene", display_name="Hélène Bernard")
    b_class, usagers = share_class(coop, "B"), college(coop, "Usagers")
    base = f"{live_server.url}/cooperatives/{coop.pk}"
    context_m, member = _phone(browser, live_server, "helene")

    # She finds the cooperative from the list, reads its statutes, and opens the request form.
    member.goto(f"{live_server.url}/cooperatives/")
    _fits_the_phone(member)
    member.click(f"[data-cooperative='{coop.pk}'] h2 a")
    member.wait_for_url(f"{base}/")
    _fits_the_phone(member)
    member.click("#ask-for-shares")
    member.wait_for_url(f"{base}/subscribe/")
    _fits_the_phone(member)

    # 3 shares of class B: the total shows as she types; she names the college she asks to join.
    member.check(f"#class-{b_class.pk}")
    member.fill("#id_quantity", "3")
    assert _text(member, "[data-testid=subscription-total]") == "60,00 €"
    member.check(f"input[name=college][value='{usagers.pk}']")
    member.click("#subscribe-submit")
    member.wait_for_url(f"{base}/my-shares/")
    request = SubscriptionRequest.objects.get()
    assert (request.member, request.share_class, request.quantity, request.status) == (helene, b_class, 3, "requested")
    assert member.get_attribute(f"[data-request='subscription-{request.pk}']", "data-status") == "requested"
    assert member.locator("[data-testid=no-shares]").count() == 1
    _fits_the_phone(member)

    # The board's secretary approves it, then marks it paid when the transfer arrives.
    context_a, admin = _phone(browser, live_server, "secretaire")
    admin.goto(f"{base}/approvals/")
    _fits_the_phone(admin)
    card = f"[data-request='subscription-{request.pk}']"
    admin.click(f"{card} details:has(#approve-subscription-{request.pk}) summary")
    admin.fill(f"#subscription-approve-{request.pk}-board_decision", "CA du 12/03/2026")
    admin.click(f"#approve-subscription-{request.pk}")
    admin.wait_for_selector(f"{card}[data-status=approved]")
    _fits_the_phone(admin)
    admin.click(f"{card} details:has(#pay-subscription-{request.pk}) summary")
    admin.click(f"#pay-subscription-{request.pk}")
    admin.wait_for_selector(".message.success")
    assert admin.locator(card).count() == 0
    movement = ShareMovement.objects.get()
    assert (movement.number, movement.kind, movement.quantity, movement.capital_delta) == (1, "subscription", 3, 6000)
    assert capital_at(coop) == 6000
    admin.goto(f"{base}/register/")
    assert admin.locator("#m1").count() == 1
    _fits_the_phone(admin)
    context_a.close()

    # She sees her 3 shares worth 60,00 € and downloads the certificate of the subscription.
    member.goto(f"{base}/my-shares/")
    assert _text(member, "[data-testid=my-total-shares]") == "3"
    assert _text(member, "[data-testid=my-total-value]") == "60,00 €"
    assert member.get_attribute(f"[data-request='subscription-{request.pk}']", "data-status") == "issued"
    _fits_the_phone(member)
    with member.expect_download() as download_info:
        member.click("[data-testid=certificate-1]")
    download = download_info.value
    assert download.suggested_filename == "certificate-732829320-1.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    response = member.request.get(f"{base}/certificates/1.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    context_m.close()
