"""API of listings: /api/listings/ (django-filter), publish, edit, pause, resume, close, hide, photos."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from exchange.models import Listing
from exchange.services.listings import listing_hide
from members.models import Commune
from tests.conftest import api_client_for
from tests.exchange.test_listings import category, in_days, publish


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def alice(make_member):
    return make_member(username="alice", commune=Commune.objects.get(name="Martinet"))


@pytest.fixture
def client(alice):
    return api_client_for(alice.user)


def body(**fields):
    data = {
        "kind": "offer",
        "title": "Réparation de vélo",
        "description": "Crevaisons, freins, dérailleurs.",
        "category": category().pk,
        "price": {"price": "12.50", "unit": "GRN"},
        "expires_on": in_days(30).isoformat(),
    }
    data.update(fields)
    return data


def test_anonymous_callers_are_refused(db):
    response = api_client_for(None).get("/api/listings/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_member_publishes_a_listing_and_reads_it_back(client, alice):
    response = client.post("/api/listings/", body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    listing = Listing.objects.get()
    assert data["id"] == listing.pk
    assert (data["price"], data["status"], data["author"], data["commune"]) == (
        {"price": "12.50", "unit": "GRN"},
        "active",
        "Alice",
        alice.commune_id,
    )
    assert client.get(f"/api/listings/{listing.pk}/").json()["title"] == "Réparation de vélo"


def test_a_price_to_be_agreed_is_null(client):
    response = client.post("/api/listings/", body(price=None), format="json")
    assert response.status_code == 201
    assert response.json()["price"] is None


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"price": {"price": "abc", "unit": "GRN"}}, 400, "invalid"),
        ({"price": {"price": "1", "unit": "EUR"}}, 400, "invalid"),
        ({"price": {"price": "0", "unit": "GRN"}}, 422, "invalid_amount"),
        ({"price": {"price": "1.234", "unit": "GRN"}}, 422, "invalid_amount"),
        ({"price": "12"}, 400, "invalid"),
        ({"kind": "gift"}, 400, "invalid"),
        ({"category": 999999}, 400, "invalid"),
        ({"expires_on": "yesterday"}, 400, "invalid"),
        ({"expires_on": in_days(-1).isoformat()}, 400, "invalid"),
        ({"title": ""}, 400, "invalid"),
    ],
)
def test_bad_input_is_answered_with_a_code_and_writes_nothing(client, fields, status, code):
    response = client.post("/api/listings/", body(**fields), format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Listing.objects.count() == 0


def test_the_list_is_filtered_by_django_filter_and_paginated(client, alice, make_member):
    bob = make_member(username="bob", commune=Commune.objects.get(name="Les Achards"))
    bike = publish(alice)
    bread = publish(bob, title="Pain au levain", category=category("pain-patisserie"), price=None, kind="want")
    hours = publish(
        bob, title="Tonte", category=category("taille-entretien"), price=__import__("djmoney").money.Money("2", "HRS")
    )

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/listings/?{query}")
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["results"]]

    assert ids("") == [hours.pk, bread.pk, bike.pk]
    assert ids("kind=want") == [bread.pk]
    assert ids(f"category={category('alimentation').pk}") == [bread.pk]
    assert ids(f"commune={alice.commune_id}") == [bike.pk]
    assert ids("unit=HRS") == [hours.pk]
    assert ids("price_min=3") == [bike.pk]
    assert ids("price_max=3") == [hours.pk]
    assert ids("q=levain") == [bread.pk]
    assert ids("limit=1&offset=1") == [bread.pk]
    for bad in ("kind=gift", "price_min=abc", "category=999999", "unit=EUR", "commune=x"):
        response = client.get(f"/api/listings/?{bad}")
        assert (response.status_code, response.json()["code"]) == (400, "invalid"), bad


def test_the_author_edits_pauses_resumes_and_closes(client, alice, make_member):
    listing = publish(alice)
    url = f"/api/listings/{listing.pk}/"
    response = client.patch(url, {"title": "Vélos réparés", "price": None}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["price"]) == ("Vélos réparés", None)
    assert client.post(url + "pause/").json()["status"] == "paused"
    assert client.post(url + "resume/").json()["status"] == "active"
    other = api_client_for(make_member().user)
    response = other.post(url + "close/")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert other.patch(url, {"title": "x"}, format="json").status_code == 403
    assert client.post(url + "close/").json()["status"] == "closed"
    response = client.post(url + "pause/")
    assert (response.status_code, response.json()["code"]) == (422, "listing_not_active")


def test_a_moderator_hides_with_a_reason_and_others_then_get_404(client, alice, make_member, staff_user):
    listing = publish(alice)
    url = f"/api/listings/{listing.pk}/"
    staff = api_client_for(staff_user)
    assert staff.post(url + "hide/", {}, format="json").status_code == 400
    assert client.post(url + "hide/", {"reason": "moi"}, format="json").status_code == 403
    response = staff.post(url + "hide/", {"reason": "Annonce en double"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["hidden_reason"]) == ("hidden", "Annonce en double")
    assert client.get(url).json()["hidden_reason"] == "Annonce en double"
    response = api_client_for(make_member().user).get(url)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client.get("/api/listings/").json()["results"] == []


def test_photos_are_uploaded_as_multipart_and_bad_files_get_a_400_not_a_500(client, alice, settings):
    listing = publish(alice)
    url = f"/api/listings/{listing.pk}/photos/"
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), "blue").save(buffer, "PNG")
    upload = SimpleUploadedFile("velo.png", buffer.getvalue(), content_type="image/png")
    response = client.post(url, {"image": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    assert (response.json()["width"], response.json()["height"]) == (1600, 800)
    fake = SimpleUploadedFile("fake.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(url, {"image": fake}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_image")
    settings.BOCAGE_PHOTO_MAX_BYTES = 10
    response = client.post(url, {"image": SimpleUploadedFile("a.png", buffer.getvalue())}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (400, "image_too_large")
    response = client.post(url, {}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert client.post(url, {"image": "x"}, format="json").status_code == 415
    assert len(client.get(f"/api/listings/{listing.pk}/").json()["photos"]) == 1


def test_a_hidden_listing_cannot_be_acted_on_by_others(alice, make_member, staff_user):
    listing = publish(alice)
    listing_hide(listing=listing, actor=staff_user, reason="x")
    other = api_client_for(make_member().user)
    for action in ("pause/", "resume/", "close/", "photos/"):
        assert other.post(f"/api/listings/{listing.pk}/{action}").status_code == 404
