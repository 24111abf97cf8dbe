"""The marketplace search: full text (PostgreSQL's, or a plain fallback on SQLite) and filters."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from djmoney.money import Money

from core.errors import NotFound
from exchange.models import Category, Listing
from exchange.selectors.listings import _text_filter, listing_get_visible, listing_search
from exchange.services.listings import listing_close, listing_hide, listing_pause
from members.models import Commune
from tests.conftest import requires_postgresql
from tests.exchange.test_listings import category, publish


def titles(queryset) -> list[str]:
    return [listing.title for listing in queryset]


@pytest.fixture
def market(make_member):
    """Four active listings (published one after the other), one paused and one closed."""
    alice = make_member(username="alice", commune=Commune.objects.get(name="Martinet"))
    bob = make_member(username="bob", commune=Commune.objects.get(name="Les Achards"))
    base = timezone.now()
    listings = {}
    rows: list[tuple[Any, str, dict[str, Any]]] = [
        (alice, "Réparation de vélo", {"price": Money("12.50", "GRN")}),
        (bob, "Pain au levain", {"category": category("pain-patisserie"), "price": Money("3", "ACH")}),
        (alice, "Cherche cours de guitare", {"kind": "want", "category": category("cours-musique"), "price": None}),
        (bob, "Tonte de pelouse", {"category": category("taille-entretien"), "price": Money("1.5", "HRS")}),
        (alice, "Vélo d'enfant en pause", {"price": Money("5", "GRN")}),
        (bob, "Vélo fermé", {"price": Money("5", "GRN")}),
    ]
    for minutes, (member, title, fields) in enumerate(rows):
        listing = publish(member, title=title, description=f"{title}, dans le bocage.", **fields)
        Listing.objects.filter(pk=listing.pk).update(created_at=base + datetime.timedelta(minutes=minutes))
        listings[title] = listing
    listing_pause(listing=listings["Vélo d'enfant en pause"], actor=alice.user)
    listing_close(listing=listings["Vélo fermé"], actor=bob.user)
    return listings


def test_only_active_listings_are_found_newest_first(market):
    assert titles(listing_search()) == [
        "Tonte de pelouse",
        "Cherche cours de guitare",
        "Pain au levain",
        "Réparation de vélo",
    ]


def test_the_text_search_finds_a_word_of_the_title_or_the_description(market):
    assert titles(listing_search(q="levain")) == ["Pain au levain"]
    assert titles(listing_search(q="bocage pelouse")) == ["Tonte de pelouse"]
    assert titles(listing_search(q="introuvable")) == []


@requires_postgresql()
def test_on_postgresql_the_french_full_text_search_finds_a_plural_for_a_singular(market):
    assert titles(listing_search(q="vélos")) == ["Réparation de vélo"]
    assert titles(listing_search(q="réparations")) == ["Réparation de vélo"]
    assert titles(listing_search(q="guitares")) == ["Cherche cours de guitare"]
    assert titles(listing_search(q="lev")) == ["Pain au levain"]  # a word being typed
    assert titles(listing_search(q="pelouse & | ! :* ' (")) == ["Tonte de pelouse"]  # no tsquery syntax gets in
    assert titles(listing_search(q="& | !")) == titles(listing_search())


@requires_postgresql()
def test_on_postgresql_a_stored_tsvector_and_its_gin_index_serve_the_search(market):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'listing_search_document'")
        (definition,) = cursor.fetchone()
        assert "gin (search_document)" in definition
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns "
            "WHERE table_name = 'exchange_listing' AND column_name = 'search_document'"
        )
        assert "to_tsvector('bocage_french'::regconfig" in cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'listing_fulltext'")
        assert cursor.fetchone() == (0,)  # the former expression index, recomputed per row by counts, is gone
        cursor.execute("SET LOCAL enable_seqscan = off")
        # The text condition alone (the search also filters on status, which has its own index).
        plan = _text_filter(Listing.objects.all(), "vélos").explain()
    assert "listing_search_document" in plan


def test_filter_by_kind(market):
    assert titles(listing_search(kind="want")) == ["Cherche cours de guitare"]


def test_a_parent_category_includes_its_children(market):
    food = Category.objects.get(slug="alimentation")
    assert titles(listing_search(category=food)) == ["Pain au levain"]
    assert titles(listing_search(category=category("pain-patisserie").pk)) == ["Pain au levain"]
    assert titles(listing_search(category=Category.objects.get(slug="transport"))) == []


def test_filter_by_commune(market):
    assert titles(listing_search(commune=Commune.objects.get(name="Martinet"))) == [
        "Cherche cours de guitare",
        "Réparation de vélo",
    ]


def test_filter_by_unit(market):
    assert titles(listing_search(unit="HRS")) == ["Tonte de pelouse"]


def test_a_price_range_keeps_priced_listings_within_it_in_each_unit(market):
    assert titles(listing_search(price_min=Decimal("3"))) == ["Pain au levain", "Réparation de vélo"]
    assert titles(listing_search(price_max=Decimal("3"))) == ["Tonte de pelouse", "Pain au levain"]
    assert titles(listing_search(price_min=Decimal("1.5"), price_max=Decimal("12.5"), unit="GRN")) == [
        "Réparation de vélo"
    ]
    assert titles(listing_search(price_min=Decimal("12.501"))) == []


def test_filters_combine(market):
    assert titles(listing_search(q="vélo", kind="offer", unit="GRN", price_max=Decimal("20"))) == ["Réparation de vélo"]
    assert titles(listing_search(q="vélo", kind="want")) == []


def test_a_hidden_listing_is_visible_only_to_its_author_with_the_reason_and_to_staff(
    market, make_member, staff_user, django_user_model
):
    listing = market["Réparation de vélo"]
    listing_hide(listing=listing, actor=staff_user, reason="Doublon")
    assert "Réparation de vélo" not in titles(listing_search())
    author = listing.author.user
    seen = listing_get_visible(user=author, listing_id=listing.pk)
    assert (seen.status, seen.hidden_reason) == ("hidden", "Doublon")
    assert listing_get_visible(user=staff_user, listing_id=listing.pk) == listing
    with pytest.raises(NotFound):
        listing_get_visible(user=make_member().user, listing_id=listing.pk)
    with pytest.raises(NotFound):
        listing_get_visible(user=market["Pain au levain"].author.user, listing_id=listing.pk)
    with pytest.raises(NotFound):
        listing_get_visible(user=author, listing_id=999_999)
