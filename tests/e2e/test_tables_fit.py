"""Tables fit a 360 px phone: the reconversions queue and a statement scroll only downwards, and the
Refuser button of a request is on screen (static/css/tables.css: rows become cards)."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from currency.services.reconversions import reconversion_request
from ledger.services import transfer_create
from members.models import Member
from tests.conftest import PASSWORD, account_of
from tests.currency._exchange import convert, give_iban, make_comptoir

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= 360"


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_reconversions_queue_and_a_statement_fit_a_360_px_phone(phone, live_server, make_member, django_user_model):
    comptoir, cashier = make_comptoir(django_user_model)
    camille = make_member(username="camille", display_name="Camille Martin")
    convert(comptoir, cashier, camille, "100")
    bakery = give_iban(
        make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="La Boulangerie des Achards")
    )
    transfer_create(
        from_account=account_of(camille, "ACH"),
        to_account=account_of(bakery, "ACH"),
        amount=Money("80", "ACH"),
        memo="Pains et viennoiseries pour la fête de l’école",
        actor=None,
    )
    for amount in ("30", "12.50"):
        reconversion_request(member=bakery, amount=Money(amount, "ACH"), actor=bakery.user)
    django_user_model.objects.create_user(username="tresoriere", password=PASSWORD, is_staff=True)

    log_in(phone, live_server, "tresoriere", PASSWORD)
    phone.goto(f"{live_server.url}/reconversion/")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    reject = phone.get_by_role("button", name="Refuser").first
    assert reject.is_visible()
    box = reject.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360

    phone.context.clear_cookies()
    log_in(phone, live_server, "camille", PASSWORD)
    phone.goto(f"{live_server.url}/accounts/{account_of(camille, 'ACH').pk}/statement/")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    party = phone.locator("[data-testid=statement-party]").first
    assert party.is_visible() and party.inner_text() == "La Boulangerie des Achards"
    assert phone.locator("[data-testid=statement-amount]").first.inner_text() == "−80,00 ACH"
