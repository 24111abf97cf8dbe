"""The exchange API: propose, transitions as POSTs, messages, reviews; errors as JSON, never a 500."""

from __future__ import annotations

import pytest

from exchange.models import Exchange, ExchangeMessage, Review
from ledger.kinds import HOLD_CAPTURE
from ledger.models import Hold, Transaction
from tests.conftest import api_client_for
from tests.exchange.test_exchange_support import listing_of, money_of, snapshot

S = Exchange.Status


@pytest.fixture
def pair(make_member):
    return make_member(username="apiculteur"), make_member(username="gourmande")


def _propose(client, listing, **extra):
    return client.post("/api/exchanges/", {"listing": listing.pk, "message": "Bonjour", **extra}, format="json")


@pytest.mark.django_db
def test_a_whole_exchange_through_the_api(pair):
    seller, buyer = pair
    listing = listing_of(seller, unit="GRN", price=1250)
    as_buyer, as_seller = api_client_for(buyer.user), api_client_for(seller.user)
    response = _propose(as_buyer, listing)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount"], body["unit"], body["status"]) == ("12.50", "GRN", "requested")
    assert (body["buyer"]["id"], body["seller"]["id"], body["actions"]) == (buyer.pk, seller.pk, ["cancel"])
    exchange_id = body["id"]
    assert as_seller.get(f"/api/exchanges/{exchange_id}/").json()["actions"] == ["accept", "decline", "cancel"]
    response = as_seller.post(f"/api/exchanges/{exchange_id}/accept/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["hold_status"]) == ("accepted", "pending")
    assert money_of(buyer, "GRN") == (0, 1250, 48750)
    assert as_buyer.post(f"/api/exchanges/{exchange_id}/deliver/").json()["code"] == "transition_not_allowed"
    assert as_seller.post(f"/api/exchanges/{exchange_id}/deliver/").json()["status"] == "delivered"
    response = as_buyer.post(f"/api/exchanges/{exchange_id}/confirm/")
    assert (response.status_code, response.json()["status"], response.json()["hold_status"]) == (
        200,
        "completed",
        "captured",
    )
    again = as_buyer.post(f"/api/exchanges/{exchange_id}/confirm/")
    assert (again.status_code, again.json()["status"]) == (200, "completed")
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1
    assert [event["to_status"] for event in again.json()["events"]] == [
        "requested",
        "accepted",
        "delivered",
        "completed",
    ]
    response = as_buyer.post(f"/api/exchanges/{exchange_id}/reviews/", {"rating": 5, "comment": "Top"}, format="json")
    assert response.status_code == 201
    assert (response.json()["subject"]["id"], response.json()["rating"]) == (seller.pk, 5)
    again = as_buyer.post(f"/api/exchanges/{exchange_id}/reviews/", {"rating": 4}, format="json")
    assert (again.status_code, again.json()["code"]) == (422, "already_reviewed")
    assert Review.objects.count() == 1
    listed = as_buyer.get("/api/exchanges/").json()
    assert [row["id"] for row in listed] == [exchange_id]


@pytest.mark.django_db
def test_a_stranger_gets_404_everywhere(pair, make_member):
    seller, buyer = pair
    exchange_id = _propose(api_client_for(buyer.user), listing_of(seller)).json()["id"]
    stranger = api_client_for(make_member().user)
    before = snapshot()
    assert stranger.get(f"/api/exchanges/{exchange_id}/").status_code == 404
    for action in ["accept", "decline", "cancel", "deliver", "confirm"]:
        response = stranger.post(f"/api/exchanges/{exchange_id}/{action}/")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert stranger.post(f"/api/exchanges/{exchange_id}/dispute/", {"reason": "x"}, format="json").status_code == 404
    assert stranger.get(f"/api/exchanges/{exchange_id}/messages/").status_code == 404
    assert stranger.get("/api/exchanges/").json() == []
    assert api_client_for(None).get(f"/api/exchanges/{exchange_id}/").status_code == 401
    assert snapshot() == before
    assert Exchange.objects.get().status == S.REQUESTED


@pytest.mark.django_db
def test_insufficient_available_is_422_and_the_exchange_stays_requested(pair):
    seller, buyer = pair
    exchange_id = _propose(api_client_for(buyer.user), listing_of(seller, unit="ACH", price=500)).json()["id"]
    before = snapshot()
    response = api_client_for(seller.user).post(f"/api/exchanges/{exchange_id}/accept/")
    assert (response.status_code, response.json()["code"]) == (422, "insufficient_funds")
    assert Exchange.objects.get().status == S.REQUESTED
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"amount": "abc"}, 400, "invalid"),
        ({"amount": "1e999999"}, 400, "invalid"),
        ({"amount": True}, 400, "invalid"),
        ({"amount": "-3"}, 400, "invalid"),
        ({"amount": "0.001"}, 422, "invalid_amount"),
        ({"message": "x" * 2001}, 400, "invalid"),
        ({"listing": 0}, 400, "invalid"),
        ({"listing": "nope"}, 400, "invalid"),
        ({"listing": 999999}, 404, "not_found"),
    ],
)
def test_bad_proposals_are_json_errors_and_write_nothing(pair, payload, status, code):
    seller, buyer = pair
    listing = listing_of(seller)
    response = api_client_for(buyer.user).post("/api/exchanges/", {"listing": listing.pk, **payload}, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Exchange.objects.count() == 0


@pytest.mark.django_db
def test_a_price_to_be_agreed_needs_an_amount_and_a_unit(pair):
    seller, buyer = pair
    listing = listing_of(seller, price=None)
    client = api_client_for(buyer.user)
    assert _propose(client, listing).json()["fields"] == {"amount": ["Proposez un montant."]}
    assert _propose(client, listing, amount="2").json()["code"] == "invalid"
    assert _propose(client, listing, amount="2", unit="EUR").json()["code"] == "unit_mismatch"
    assert _propose(client, listing, amount="2", unit="XYZ").json()["code"] == "unknown_unit"
    assert Exchange.objects.count() == 0
    response = _propose(client, listing, amount="2.5", unit="HRS")
    assert (response.status_code, response.json()["amount"], response.json()["unit"]) == (201, "2.50", "HRS")


@pytest.mark.django_db
def test_dispute_and_resolution_by_a_moderator(pair, staff_user):
    seller, buyer = pair
    as_buyer, as_seller = api_client_for(buyer.user), api_client_for(seller.user)
    exchange_id = _propose(as_buyer, listing_of(seller, price=2000)).json()["id"]
    as_seller.post(f"/api/exchanges/{exchange_id}/accept/")
    assert as_buyer.post(f"/api/exchanges/{exchange_id}/dispute/", {}, format="json").status_code == 400
    response = as_buyer.post(f"/api/exchanges/{exchange_id}/dispute/", {"reason": "Pas venu"}, format="json")
    assert (response.json()["status"], response.json()["dispute_reason"]) == ("disputed", "Pas venu")
    refused = as_seller.post(f"/api/exchanges/{exchange_id}/resolve/", {"outcome": "capture"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (422, "transition_not_allowed")
    as_staff = api_client_for(staff_user)
    assert as_staff.post(f"/api/exchanges/{exchange_id}/resolve/", {"outcome": "x"}, format="json").status_code == 400
    partial = {"outcome": "partial", "amount": "25"}
    response = as_staff.post(f"/api/exchanges/{exchange_id}/resolve/", partial, format="json")
    assert (response.status_code, response.json()["code"]) == (422, "invalid_amount")
    partial["amount"] = "5"
    response = as_staff.post(f"/api/exchanges/{exchange_id}/resolve/", partial, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "resolved")
    assert Hold.objects.get().captured_amount == 500
    assert money_of(seller, "GRN") == (500, 0, 50500)


@pytest.mark.django_db
def test_messages_between_the_parties(pair, staff_user):
    seller, buyer = pair
    exchange_id = _propose(api_client_for(buyer.user), listing_of(seller)).json()["id"]
    url = f"/api/exchanges/{exchange_id}/messages/"
    response = api_client_for(seller.user).post(url, {"body": "Samedi matin ?"}, format="json")
    assert (response.status_code, response.json()["author"]["id"]) == (201, seller.pk)
    assert api_client_for(buyer.user).post(url, {"body": ""}, format="json").status_code == 400
    assert api_client_for(staff_user).post(url, {"body": "Modération"}, format="json").status_code == 403
    assert [message["body"] for message in api_client_for(staff_user).get(url).json()] == ["Samedi matin ?"]
    assert ExchangeMessage.objects.count() == 1


@pytest.mark.django_db
def test_review_input_is_checked(pair):
    seller, buyer = pair
    exchange_id = _propose(api_client_for(buyer.user), listing_of(seller)).json()["id"]
    url = f"/api/exchanges/{exchange_id}/reviews/"
    assert api_client_for(buyer.user).post(url, {"rating": 0}, format="json").status_code == 400
    response = api_client_for(buyer.user).post(url, {"rating": 5}, format="json")
    assert (response.status_code, response.json()["code"]) == (422, "not_reviewable")
    assert Review.objects.count() == 0
