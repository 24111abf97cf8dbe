"""Exchange pages: my exchanges, proposing, the exchange page with the viewer's buttons only, profiles."""

from __future__ import annotations

import pytest
from django.test import Client

from exchange.models import Exchange, ExchangeMessage, Review
from exchange.services import exchanges as services
from tests.conftest import PASSWORD
from tests.exchange.test_exchange_support import listing_of, money_of, propose, snapshot

S = Exchange.Status


def client_for(member_or_user) -> Client:
    client = Client()
    user = getattr(member_or_user, "user", member_or_user)
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def pair(make_member):
    return make_member(username="fromager", display_name="Fromagerie Girard"), make_member(
        username="lucie", display_name="Lucie Martin"
    )


@pytest.mark.django_db
def test_the_propose_page_prefills_the_price_the_french_way_and_creates_the_exchange(pair):
    seller, buyer = pair
    listing = listing_of(seller, unit="GRN", price=1250, title="Tomme de vache")
    client = client_for(buyer)
    page = client.get(f"/exchanges/propose/{listing.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="12,50"' in html
    assert "Tomme de vache" in html
    response = client.post(f"/exchanges/propose/{listing.pk}/", {"amount": "10,5", "message": "Samedi ?"})
    exchange = Exchange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/exchanges/{exchange.pk}/"
    assert (exchange.buyer, exchange.amount, exchange.unit, exchange.message) == (buyer, 1050, "GRN", "Samedi ?")


@pytest.mark.django_db
def test_a_bad_amount_redisplays_the_form_and_writes_nothing(pair):
    seller, buyer = pair
    listing = listing_of(seller)
    client = client_for(buyer)
    for amount in ["abc", "0", "1,001", ""]:
        response = client.post(f"/exchanges/propose/{listing.pk}/", {"amount": amount, "message": ""})
        assert response.status_code == 422
    assert Exchange.objects.count() == 0
    assert client.get("/exchanges/propose/999999/").status_code == 404


@pytest.mark.django_db
def test_a_price_to_be_agreed_asks_for_the_unit(pair):
    seller, buyer = pair
    listing = listing_of(seller, price=None)
    client = client_for(buyer)
    assert 'name="unit"' in client.get(f"/exchanges/propose/{listing.pk}/").content.decode()
    client.post(f"/exchanges/propose/{listing.pk}/", {"amount": "1,5", "unit": "HRS", "message": ""})
    assert (Exchange.objects.get().unit, Exchange.objects.get().amount) == ("HRS", 150)


@pytest.mark.django_db
def test_each_viewer_sees_only_their_own_buttons_and_strangers_get_404(pair, make_member, staff_user):
    seller, buyer = pair
    exchange = propose(listing_of(seller), buyer)
    seller_page = client_for(seller).get(f"/exchanges/{exchange.pk}/").content.decode()
    buyer_page = client_for(buyer).get(f"/exchanges/{exchange.pk}/").content.decode()
    assert 'id="action-accept"' in seller_page and 'id="action-decline"' in seller_page
    assert 'id="action-accept"' not in buyer_page and 'id="action-cancel"' in buyer_page
    assert 'id="resolve-form"' not in seller_page
    stranger = client_for(make_member())
    assert stranger.get(f"/exchanges/{exchange.pk}/").status_code == 404
    before = snapshot()
    assert stranger.post(f"/exchanges/{exchange.pk}/accept/").status_code == 404
    assert stranger.post(f"/exchanges/{exchange.pk}/messages/", {"body": "Salut"}).status_code == 404
    assert snapshot() == before
    assert client_for(staff_user).get(f"/exchanges/{exchange.pk}/").status_code == 200


@pytest.mark.django_db
def test_the_whole_exchange_through_the_pages(pair):
    seller, buyer = pair
    exchange = propose(listing_of(seller, price=2000), buyer)
    as_seller, as_buyer = client_for(seller), client_for(buyer)
    refused = as_buyer.post(f"/exchanges/{exchange.pk}/accept/", follow=True)
    assert refused.status_code == 200
    assert Exchange.objects.get().status == S.REQUESTED
    as_seller.post(f"/exchanges/{exchange.pk}/accept/")
    assert money_of(buyer, "GRN") == (0, 2000, 48000)
    as_seller.post(f"/exchanges/{exchange.pk}/deliver/")
    page = as_buyer.get(f"/exchanges/{exchange.pk}/").content.decode()
    assert 'id="action-confirm"' in page and 'id="dispute-form"' in page
    as_buyer.post(f"/exchanges/{exchange.pk}/confirm/")
    assert Exchange.objects.get().status == S.COMPLETED
    assert money_of(seller, "GRN") == (2000, 0, 52000)
    as_buyer.post(f"/exchanges/{exchange.pk}/messages/", {"body": "Merci !"})
    assert ExchangeMessage.objects.get().body == "Merci !"
    assert 'id="review-form"' in as_buyer.get(f"/exchanges/{exchange.pk}/").content.decode()
    as_buyer.post(f"/exchanges/{exchange.pk}/review/", {"rating": "4", "comment": "Très bon"})
    assert Review.objects.get().rating == 4
    assert 'id="review-form"' not in as_buyer.get(f"/exchanges/{exchange.pk}/").content.decode()
    timeline = as_buyer.get(f"/exchanges/{exchange.pk}/").content.decode()
    assert timeline.count('data-status="') >= 4
    listing_page = as_buyer.get("/exchanges/").content.decode()
    assert f'data-exchange="{exchange.pk}"' in listing_page
    profile = as_buyer.get(f"/members/{seller.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "4,0/5" in profile and "Très bon" in profile


@pytest.mark.django_db
def test_dispute_and_resolution_pages(pair, staff_user):
    seller, buyer = pair
    exchange = services.exchange_accept(exchange=propose(listing_of(seller, price=2000), buyer), actor=seller.user)
    as_buyer = client_for(buyer)
    assert as_buyer.post(f"/exchanges/{exchange.pk}/dispute/", {"reason": ""}).status_code == 422
    as_buyer.post(f"/exchanges/{exchange.pk}/dispute/", {"reason": "Rien reçu"})
    assert Exchange.objects.get().status == S.DISPUTED
    as_staff = client_for(staff_user)
    assert 'id="resolve-form"' in as_staff.get(f"/exchanges/{exchange.pk}/").content.decode()
    too_much = as_staff.post(f"/exchanges/{exchange.pk}/resolve/", {"outcome": "partial", "amount": "30"})
    assert too_much.status_code == 422
    as_staff.post(f"/exchanges/{exchange.pk}/resolve/", {"outcome": "partial", "amount": "7,5"})
    assert Exchange.objects.get().status == S.RESOLVED
    assert money_of(seller, "GRN") == (750, 0, 50750)


@pytest.mark.django_db
def test_pages_need_a_login_and_the_profile_of_an_unknown_member_is_404(pair):
    seller, _buyer = pair
    assert Client().get("/exchanges/").status_code == 302
    assert client_for(seller).get("/members/999999/").status_code == 404
    assert (
        "Aucun avis" in client_for(seller).get(f"/members/{seller.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        or True
    )
