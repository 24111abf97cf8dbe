"""Listing prices, their search bounds and exchange proposals read amounts through the one parser."""

from __future__ import annotations

import pytest
from django.test import Client

from exchange.models import Exchange, Listing
from ledger.models import Hold
from members.models import Commune
from tests.conftest import PASSWORD, api_client_for
from tests.exchange.test_exchange_support import listing_of
from tests.exchange.test_listings import category, in_days

pytestmark = pytest.mark.django_db

FRENCH_ERROR = "Saisissez un montant en chiffres, par exemple «\u00a012.50\u00a0»."
DURATION_ERROR = (
    "«\u00a01 h 30\u00a0» est une durée\u00a0: choisissez l’unité Heures, ou saisissez un montant en chiffres."
)


@pytest.fixture
def alice(make_member):
    return make_member(username="alice", commune=Commune.objects.get(name="Martinet"))


def client_for(member) -> Client:
    client = Client(headers={"accept-language": "fr"})
    assert client.login(username=member.user.username, password=PASSWORD)
    return client


def publish_on_the_page(member, unit: str, price: str):
    body = {
        "kind": "offer",
        "title": "Tonte de pelouse",
        "description": "Tondeuse fournie.",
        "category": category().pk,
        "unit": unit,
        "price": price,
        "expires_on": in_days(20).isoformat(),
    }
    return client_for(member).post("/marketplace/new/", body)


def test_a_listing_priced_1_h_30_in_hours_costs_150_hundredths(alice):
    assert publish_on_the_page(alice, "HRS", "1 h 30").status_code == 302
    assert Listing.objects.get().price == 150


def test_a_listing_priced_with_a_thousands_space_is_read_exactly(alice):
    assert publish_on_the_page(alice, "GRN", "1 200,50").status_code == 302
    assert Listing.objects.get().price == 120050


@pytest.mark.parametrize(("unit", "price"), [("GRN", "1 h 30"), ("GRN", "1_0"), ("GRN", "\u0661"), ("GRN", "1e2")])
def test_a_malformed_listing_price_is_a_form_error_and_publishes_nothing(alice, unit, price):
    page = publish_on_the_page(alice, unit, price)
    assert page.status_code == 400
    assert page.context["form"].errors["price"] == [DURATION_ERROR if price == "1 h 30" else FRENCH_ERROR]
    assert Listing.objects.count() == 0


def test_a_price_bound_of_the_search_with_non_ascii_digits_is_a_form_error(alice):
    page = client_for(alice).get("/marketplace/", {"unit": "GRN", "price_min": "\uff15"})
    assert page.context["form"].errors["price_min"] == [FRENCH_ERROR]


@pytest.mark.parametrize("price", ["1_0", "\u0661", "1e2", "12,50", 12.5])
def test_the_listing_api_refuses_the_same_prices_with_400_and_publishes_nothing(alice, price):
    body = {
        "kind": "offer",
        "title": "Tonte",
        "description": "Tondeuse fournie.",
        "category": category().pk,
        "price": {"price": price, "unit": "GRN"},
        "expires_on": in_days(30).isoformat(),
    }
    response = api_client_for(alice.user).post("/api/listings/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == {"price": {"price": [FRENCH_ERROR]}}
    assert Listing.objects.count() == 0


def test_a_proposal_in_hours_takes_1_h_30_on_the_page(alice, make_member):
    listing = listing_of(alice, unit="HRS", price=150)
    buyer = make_member(username="bruno")
    response = client_for(buyer).post(f"/exchanges/propose/{listing.pk}/", {"amount": "1 h 30", "message": ""})
    assert response.status_code == 302, response.content.decode()
    assert Exchange.objects.get().amount == 150


@pytest.mark.parametrize("amount", ["1_0", "\uff11", 10])
def test_the_exchange_api_refuses_the_same_amounts_with_400_and_holds_nothing(alice, make_member, amount):
    listing = listing_of(alice)
    buyer = make_member(username="bruno")
    response = api_client_for(buyer.user).post(
        "/api/exchanges/", {"listing": listing.pk, "amount": amount}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"amount": [FRENCH_ERROR]}
    assert Exchange.objects.count() == 0
    assert Hold.objects.count() == 0


@pytest.mark.parametrize("bound", ["price_min=1_0", "price_max=%EF%BC%91", "price_min=1e1", "price_min=-1"])
def test_the_listing_search_api_refuses_such_price_bounds_with_400(alice, bound):
    listing_of(alice, price=500)
    response = api_client_for(alice.user).get(f"/api/listings/?{bound}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_the_listing_search_api_reads_a_price_bound_typed_the_french_way(alice):
    cheap, dear = listing_of(alice, price=500, title="Pain"), listing_of(alice, price=150000, title="Vélo")
    found = api_client_for(alice.user).get("/api/listings/", {"price_min": "1 000,50"}).json()["results"]
    assert [item["id"] for item in found] == [dear.pk]
    assert cheap.pk not in [item["id"] for item in found]
