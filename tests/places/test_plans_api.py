"""The API and the pages of plans and carnets: the contract's paths, fields and error shape."""

from __future__ import annotations

import pytest
from django.test import Client

from places.models import PassOffer, Plan, PlanAllowance, Subscription
from tests.conftest import api_client_for
from tests.factories import account_of
from tests.places.booking_setup import funded_member, make_place, make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    place = make_place()
    make_resource(place, "Open space", capacity=6, kind="desk")
    plan = Plan.objects.create(place=place, name="Résident", unit="ACH", price=9000)
    PlanAllowance.objects.create(plan=plan, resource_kind="meeting_room", unit="CRH", amount=400)
    offer = PassOffer.objects.create(
        place=place,
        name="Carnet 10 jours",
        unit="CRJ",
        quantity=1000,
        price_unit="ACH",
        price=10000,
        validity_days=180,
        resource_kind="desk",
    )
    network = PassOffer.objects.create(
        place=None,
        name="Pass journée réseau",
        unit="CRJ",
        quantity=100,
        price_unit="ACH",
        price=1200,
        validity_days=30,
    )
    return place, plan, offer, network


def test_the_api_sells_plans_and_carnets(shop):
    place, plan, offer, _network = shop
    camille = funded_member("camille", "250.00")
    api = api_client_for(camille.user)

    plans = api_client_for(None).get(f"/api/plans/?place={place.pk}").json()
    assert plans[0]["price"] == {"amount": "90.00", "unit": "ACH"}
    assert plans[0]["allowances"][0]["per_period"] == {"amount": "4.00", "unit": "CRH"}
    offers = api_client_for(None).get("/api/pass-offers/").json()
    assert {o["name"] for o in offers} == {"Carnet 10 jours", "Pass journée réseau"}
    assert api_client_for(None).get("/api/pass-offers/?place=x").json()["code"] == "invalid"

    no_key = api.post(f"/api/plans/{plan.pk}/subscribe/")
    assert no_key.status_code == 400 and no_key.json()["code"] == "invalid"
    created = api.post(f"/api/plans/{plan.pk}/subscribe/", HTTP_IDEMPOTENCY_KEY="sub-1")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["price"] == {"amount": "90.00", "unit": "ACH"} and body["active"] is True
    assert body["allowances"][0]["left"] == {"amount": "4.00", "unit": "CRH"}
    again = api.post(f"/api/plans/{plan.pk}/subscribe/", HTTP_IDEMPOTENCY_KEY="sub-1")
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    twice = api.post(f"/api/plans/{plan.pk}/subscribe/", HTTP_IDEMPOTENCY_KEY="sub-2")
    assert twice.status_code == 422 and twice.json()["code"] == "already_subscribed"

    bought = api.post("/api/passes/", {"offer": offer.pk}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert bought.status_code == 201, bought.json()
    assert bought.json()["left"] == {"amount": "10.00", "unit": "CRJ"}
    poor = api.post("/api/passes/", {"offer": offer.pk}, format="json", HTTP_IDEMPOTENCY_KEY="c-2")
    assert poor.status_code == 422 and poor.json()["code"] == "insufficient_funds"
    assert set(poor.json()) >= {"code", "message"}
    missing = api.post("/api/passes/", {"offer": 999999}, format="json", HTTP_IDEMPOTENCY_KEY="c-3")
    assert missing.status_code == 404
    account = account_of(camille, "ACH")
    account.refresh_from_db()
    assert account.balance == 6000

    mine = api.get("/api/passes/").json()
    assert [c["left"]["amount"] for c in mine["carnets"]] == ["10.00"]
    assert [s["allowances"][0]["left"]["amount"] for s in mine["subscriptions"]] == ["4.00"]

    stranger = funded_member("stranger")
    refused = api_client_for(stranger.user).post(f"/api/subscriptions/{body['id']}/cancel/")
    assert refused.status_code == 404
    assert Subscription.objects.get(pk=body["id"]).end is None
    cancelled = api.post(f"/api/subscriptions/{body['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["end"] is not None
    assert api.post(f"/api/subscriptions/{body['id']}/cancel/").json()["code"] == "subscription_ended"


def test_the_pages_show_confirm_and_list(shop):
    place, plan, offer, _network = shop
    camille = funded_member("camille", "250.00")
    client = Client()
    client.force_login(camille.user)

    detail = client.get(f"/places/{place.pk}/").content.decode()
    assert "Forfaits et carnets" in detail and "Pass journée réseau" in detail
    confirm = client.get(f"/places/plans/{plan.pk}/subscribe/").content.decode()
    assert "90,00 ACH" in confirm and "prélevé chaque mois" in confirm
    page = client.get(f"/places/carnets/{offer.pk}/buy/")
    assert page.status_code == 200 and "10 jours" in page.content.decode()

    key = "0123456789abcdef0123456789abcdef"
    assert client.post(f"/places/carnets/{offer.pk}/buy/", {"idempotency_key": key}).status_code == 302
    assert client.post(f"/places/carnets/{offer.pk}/buy/", {"idempotency_key": key}).status_code == 302  # once
    assert client.post(f"/places/plans/{plan.pk}/subscribe/", {"idempotency_key": "f" * 32}).status_code == 302

    mine = client.get("/me/passes/").content.decode()
    assert "Il reste 10 jours sur 10 jours" in mine
    assert "Il reste 4,00 h sur 4,00 h (salle de réunion)" in mine
    assert "/me/passes/" in client.get("/me/bookings/").content.decode()
    subscription = Subscription.objects.get(member=camille)
    assert client.get(f"/me/passes/plans/{subscription.pk}/cancel/").status_code == 200
    assert client.post(f"/me/passes/plans/{subscription.pk}/cancel/").status_code == 302
    subscription.refresh_from_db()
    assert subscription.end is not None
    account = account_of(camille, "ACH")
    account.refresh_from_db()
    assert account.balance == 6000
