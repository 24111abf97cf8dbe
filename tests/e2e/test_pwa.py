"""The installable app on a phone: the service worker registers under the CSP, a page that cannot
be reached shows the offline page, and the member's own payment QR page stays readable offline as
a marked copy whose forms are disabled (nothing is paid offline)."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from currency.services.payments import payment_request_create
from members.models import Member
from tests.conftest import PASSWORD, account_of

from .conftest import log_in

SOME_PAGE_KEPT = (
    "() => caches.keys().then(names => Promise.all(names.filter(n => n.startsWith('bocage-pages-'))"
    ".map(n => caches.open(n).then(c => c.keys())))).then(lists => lists.flat().length > 0)"
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_qr_page_stays_readable_offline_and_other_pages_show_the_offline_page(page, live_server, make_member):
    bakery = make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="Boulangerie des Achards")
    request = payment_request_create(
        payee_account=account_of(bakery, "ACH"), amount=Money("12.50", "ACH"), memo="2 baguettes", actor=bakery.user
    )
    log_in(page, live_server, "boulangerie", PASSWORD)
    assert page.evaluate("navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller || 'ready')")
    qr_url = f"{live_server.url}/payments/{request.token}/"
    page.goto(qr_url)  # controlled by the worker now: kept in its cache
    page.wait_for_selector("svg.qr")
    page.wait_for_function(SOME_PAGE_KEPT)

    page.context.set_offline(True)
    page.goto(qr_url)
    assert page.locator("svg.qr").count() == 1
    notice = page.locator(".offline-notice")
    assert "Vous êtes hors connexion" in notice.inner_text()
    assert page.locator("main form button:not([disabled])").count() == 0

    page.goto(f"{live_server.url}/transparency/")
    assert page.inner_text("h1") == "Pas de connexion"
    assert "Rien ne peut être payé" in page.inner_text("main")
    page.context.set_offline(False)
