"""A visitor, not logged in, on a phone: the transparency charts and the directory's filters."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from currency.models import Comptoir
from currency.services.conversions import conversion_create
from ledger import services
from members.models import Commune, Member
from tests.conftest import account_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def community(make_member, staff_user):
    # A transactional test flushes the communes the migration created: bring back the two it needs.
    achards, _ = Commune.objects.get_or_create(name="Les Achards", defaults={"postal_code": "85150"})
    martinet, _ = Commune.objects.get_or_create(name="Martinet", defaults={"postal_code": "85150"})
    camille = make_member(username="camille", commune=achards)
    louis = make_member(username="louis", commune=martinet)
    bakery = make_member(
        Member.Kind.BUSINESS,
        username="bakery",
        display_name="Boulangerie du Martinet",
        commune=martinet,
        activity="Boulangerie",
        in_directory=True,
    )
    make_member(
        Member.Kind.BUSINESS,
        username="cowork",
        display_name="Le Cowork des Achards",
        commune=achards,
        activity="Coworking",
        in_directory=True,
    )
    comptoir = Comptoir.objects.create(name="Comptoir des Achards", commune=achards)
    conversion_create(
        comptoir=comptoir, member=camille, amount=Money("1500", "EUR"), payment_method="cash", actor=staff_user
    )
    for payer, payee, amount in [(camille, bakery, "12.50"), (camille, louis, "1.5")]:
        unit = "ACH" if payee == bakery else "HRS"
        services.transfer_create(
            from_account=account_of(payer, unit),
            to_account=account_of(payee, unit),
            amount=Money(amount, unit),
            actor=staff_user,
        )
    return {"achards": achards, "martinet": martinet}


def test_the_transparency_page_shows_accessible_charts_on_a_phone(page, live_server, community):
    page.goto(f"{live_server.url}/public/transparency/")

    assert page.inner_text("[data-testid=circulation-ACH]") == "1\u202f500,00 ACH"
    assert page.inner_text("[data-testid=guarantee-fund-ACH]") == "1\u202f500,00 EUR"
    charts = page.locator("svg.chart")
    assert charts.count() == 2
    for index in range(2):
        chart = charts.nth(index)
        assert chart.get_attribute("role") == "img"
        assert chart.locator("title").first.text_content()
        assert chart.locator("rect").count() == 12
        box = chart.bounding_box()
        assert box is not None and 0 < box["width"] <= 390  # fits the phone's width
    title = page.locator("#chart-payments title").first.text_content()
    assert title in {"Paiements en ACH, par mois", "Payments in ACH, per month"}  # French once merged
    assert "12,50 ACH" in (page.locator("#chart-payments rect title").last.text_content() or "")

    # The numbers behind each chart, in a table that opens on demand.
    figures = page.locator("[data-testid=chart-payments] details")
    assert not figures.locator("table").is_visible()
    figures.locator("summary").click()
    assert figures.locator("table").is_visible()
    assert "12,50 ACH" in figures.locator("table").inner_text()
    assert page.locator("[data-testid=seal-hash]").is_visible()


def test_a_visitor_filters_the_directory_by_commune_and_activity(page, live_server, community):
    page.goto(f"{live_server.url}/public/directory/")
    assert page.locator("[data-testid=place]").count() == 2

    page.select_option("#filter-commune", str(community["achards"].pk))
    page.click("#filter-submit")
    page.wait_for_url(f"**/public/directory/?commune={community['achards'].pk}*")
    places = page.locator("[data-testid=place]")
    assert places.count() == 1
    assert "Le Cowork des Achards" in places.first.inner_text()

    page.select_option("#filter-commune", "")
    page.select_option("#filter-activity", "Boulangerie")
    page.click("#filter-submit")
    page.wait_for_url("**activity=Boulangerie*")
    assert page.locator("[data-testid=place]").count() == 1
    assert "Boulangerie du Martinet" in page.locator("[data-testid=place]").first.inner_text()
