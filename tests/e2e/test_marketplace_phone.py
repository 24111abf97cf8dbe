"""Browser test: the marketplace pages fit a phone (390 px wide) with no sideways scrolling."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from exchange.services.listings import listing_photo_add
from members.models import Commune
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.exchange.test_listings import category, publish

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_the_marketplace_pages_fit_a_390_px_phone(live_server, page, make_member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    alice = make_member(username="alice", commune=Commune.objects.get(name="Martinet"))
    bob = make_member(username="bob")
    listing = publish(alice, description="Je répare les vélos. " * 20, availability="Le samedi matin")
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), "orange").save(buffer, "PNG")
    listing_photo_add(listing=listing, actor=alice.user, upload=SimpleUploadedFile("a.png", buffer.getvalue()))
    publish(
        bob, title="Pain au levain, un titre assez long pour passer à la ligne", category=category("pain-patisserie")
    )
    log_in(page, live_server, "bob", PASSWORD)
    for url in ["/marketplace/?q=", f"/marketplace/{listing.pk}/", "/marketplace/new/", "/marketplace/mine/"]:
        page.goto(live_server.url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    page.goto(f"{live_server.url}/marketplace/{listing.pk}/")
    assert page.locator("[data-testid=listing-price]").inner_text() == "12,50 GRN"
    assert page.locator("#propose-exchange").is_visible()
