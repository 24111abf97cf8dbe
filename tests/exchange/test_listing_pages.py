"""Pages of listings: search with filters and pages, detail, publish with photos, my listings, moderation."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from exchange.models import Listing
from members.models import Commune
from tests.conftest import PASSWORD
from tests.exchange.test_listings import category, in_days, publish


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def alice(make_member):
    return make_member(username="alice", email="alice@example.org", commune=Commune.objects.get(name="Martinet"))


def logged_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_marketplace_needs_a_login(client, db):
    response = client.get("/marketplace/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_search_page_lists_active_listings_with_french_prices_and_filters(client, alice, make_member):
    publish(alice)
    publish(alice, title="Pain au levain", category=category("pain-patisserie"), price=None)
    logged_in(client, make_member().user)
    page = client.get("/marketplace/").content.decode()
    assert "Réparation de vélo" in page and "Pain au levain" in page
    assert "12,50 GRN" in page
    assert 'name="q"' in page and 'name="category"' in page and 'name="price_min"' in page
    filtered = client.get(f"/marketplace/?q=levain&category={category('alimentation').pk}").content.decode()
    assert "Pain au levain" in filtered and "Réparation de vélo" not in filtered
    assert client.get("/marketplace/?price_min=abc").status_code == 200  # a bad filter is shown, not a 500


def test_the_search_is_paginated_newest_first(client, alice):
    base = timezone.now()
    for number in range(25):
        listing = publish(alice, title=f"Annonce {number:02d}")
        Listing.objects.filter(pk=listing.pk).update(created_at=base + datetime.timedelta(minutes=number))
    logged_in(client, alice.user)
    first = client.get("/marketplace/?kind=offer").content.decode()
    assert "Annonce 24" in first and "Annonce 05" in first and "Annonce 04" not in first
    second = client.get("/marketplace/?kind=offer&page=2").content.decode()
    assert "Annonce 04" in second and "Annonce 05" not in second


def test_the_detail_page_shows_price_author_commune_and_a_proposal_link(client, alice, make_member):
    listing = publish(alice, availability="Le samedi matin")
    logged_in(client, make_member().user)
    page = client.get(f"/marketplace/{listing.pk}/").content.decode()
    for text in ("Réparation de vélo", "12,50 GRN", "Alice", "Martinet", "Le samedi matin", "propose-exchange"):
        assert text in page
    assert str(listing.pk) in page.split('id="propose-exchange"')[0].rsplit("href=", 1)[1]


def test_publishing_a_listing_with_a_photo_from_the_form(client, alice):
    logged_in(client, alice.user)
    assert client.get("/marketplace/new/").status_code == 200
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1200), "orange").save(buffer, "PNG")
    response = client.post(
        "/marketplace/new/",
        {
            "kind": "offer",
            "title": "Prêt de tronçonneuse",
            "description": "Avec chaîne affûtée.",
            "category": category("outils-jardin").pk,
            "unit": "HRS",
            "price": "1,5",
            "expires_on": in_days(20).isoformat(),
            "photos": [SimpleUploadedFile("scie.png", buffer.getvalue(), content_type="image/png")],
        },
    )
    listing = Listing.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/marketplace/{listing.pk}/"
    assert (listing.title, listing.unit, listing.price, listing.commune, listing.author) == (
        "Prêt de tronçonneuse",
        "HRS",
        150,
        alice.commune,
        alice,
    )
    photo = listing.photos.get()
    assert (photo.width, photo.height) == (1600, 800)
    assert "1 h 30" in client.get(f"/marketplace/{listing.pk}/").content.decode()


def test_an_invalid_form_is_shown_again_and_nothing_is_written(client, alice):
    logged_in(client, alice.user)
    response = client.post(
        "/marketplace/new/",
        {"kind": "offer", "title": "x", "description": "y", "category": category().pk, "unit": "GRN",
         "price": "1,234", "expires_on": in_days(3).isoformat()},
    )  # fmt: skip
    assert response.status_code == 422
    assert Listing.objects.count() == 0
    fake = SimpleUploadedFile("photo.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        "/marketplace/new/",
        {"kind": "offer", "title": "x", "description": "y", "category": category().pk,
         "expires_on": in_days(3).isoformat(), "photos": [fake]},
    )  # fmt: skip
    assert response.status_code == 302  # the listing is saved; the refused photo is reported
    assert Listing.objects.get().photos.count() == 0
    assert "photo.jpg" in client.get(response["Location"]).content.decode()


def test_my_listings_page_pauses_resumes_and_closes(client, alice):
    listing = publish(alice)
    logged_in(client, alice.user)
    assert "Réparation de vélo" in client.get("/marketplace/mine/").content.decode()
    assert client.post(f"/marketplace/{listing.pk}/pause/").status_code == 302
    listing.refresh_from_db()
    assert listing.status == "paused"
    client.post(f"/marketplace/{listing.pk}/resume/")
    listing.refresh_from_db()
    assert listing.status == "active"
    client.post(f"/marketplace/{listing.pk}/close/", {"next": "https://evil.example/"})
    listing.refresh_from_db()
    assert listing.status == "closed"
    assert client.get(f"/marketplace/{listing.pk}/pause/").status_code == 405


def test_the_author_edits_her_listing_and_others_may_not(client, alice, make_member):
    listing = publish(alice)
    logged_in(client, make_member().user)
    assert client.get(f"/marketplace/{listing.pk}/edit/").status_code == 404
    client.post(f"/marketplace/{listing.pk}/close/")
    listing.refresh_from_db()
    assert listing.status == "active"
    logged_in(client, alice.user)
    form = client.get(f"/marketplace/{listing.pk}/edit/").content.decode()
    assert 'value="Réparation de vélo"' in form and 'value="12,50"' in form
    response = client.post(
        f"/marketplace/{listing.pk}/edit/",
        {"kind": "want", "title": "Cherche réparateur", "description": "Urgent", "category": category().pk,
         "unit": "", "price": "", "expires_on": in_days(5).isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.kind, listing.title, listing.price) == ("want", "Cherche réparateur", None)


def test_a_moderator_hides_a_listing_from_its_page_and_the_author_sees_why(
    client, alice, make_member, staff_user, django_capture_on_commit_callbacks
):
    listing = publish(alice)
    logged_in(client, staff_user)
    assert "hide-listing" in client.get(f"/marketplace/{listing.pk}/").content.decode()
    client.post(f"/marketplace/{listing.pk}/moderate/", {"reason": ""})
    listing.refresh_from_db()
    assert listing.status == "active"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/marketplace/{listing.pk}/moderate/", {"reason": "Vente d'objets interdits"})
    listing.refresh_from_db()
    assert (listing.status, listing.hidden_reason, len(mail.outbox)) == ("hidden", "Vente d'objets interdits", 1)
    logged_in(client, make_member().user)
    assert client.get(f"/marketplace/{listing.pk}/").status_code == 404
    assert client.post(f"/marketplace/{listing.pk}/moderate/", {"unhide": "1"}).status_code == 404
    logged_in(client, alice.user)
    page = client.get(f"/marketplace/{listing.pk}/").content.decode()
    assert "Vente d&#x27;objets interdits" in page
    assert "Vente d&#x27;objets interdits" in client.get("/marketplace/mine/").content.decode()


def test_a_member_who_is_not_staff_cannot_hide(client, alice, make_member):
    listing = publish(alice)
    logged_in(client, make_member().user)
    client.post(f"/marketplace/{listing.pk}/moderate/", {"reason": "spam"})
    listing.refresh_from_db()
    assert listing.status == "active"
