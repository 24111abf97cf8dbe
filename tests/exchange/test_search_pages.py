"""The marketplace search counted up to a limit ("more than 1,000 listings"), its pages past that
limit, and a number of queries that does not grow with the results, on the page and the API."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from exchange.models import Listing
from exchange.selectors import listings as listing_selectors
from exchange.views import listings as listing_views
from members.models import Commune
from tests.conftest import PASSWORD, api_client_for
from tests.exchange.test_listings import category, publish

NNBSP = "\u202f"


@pytest.fixture
def alice(make_member):
    return make_member(username="alice", commune=Commune.objects.get(name="Martinet"))


@pytest.fixture
def seven_bikes(alice) -> list[Listing]:
    """Seven listings of bikes, the newest first."""
    base = timezone.now()
    listings = []
    for number in range(7):
        listing = publish(alice, title=f"Vélo numéro {number}")
        Listing.objects.filter(pk=listing.pk).update(created_at=base + datetime.timedelta(minutes=number))
        listings.append(listing)
    return listings[::-1]


@pytest.fixture
def small_limits(monkeypatch):
    """Counted up to 3, two listings a page: the behaviour of 1,000 and 20 without 1,000 rows."""
    monkeypatch.setattr(listing_selectors, "SEARCH_COUNT_LIMIT", 3)
    monkeypatch.setattr(listing_views, "PAGE_SIZE", 2)


def logged_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def count_text(page: str) -> str:
    return page.split('data-testid="listing-count">', 1)[1].split("</p>", 1)[0]


def titles_on(page: str) -> list[str]:
    return [part.split("</a>", 1)[0].rsplit(">", 1)[1] for part in page.split("<h2>")[1:]]


def test_past_the_limit_the_page_says_more_than_and_pages_on_to_the_last_one(client, alice, seven_bikes, small_limits):
    logged_in(client, alice.user)
    first = client.get("/marketplace/?q=velo").content.decode()
    assert count_text(first) == "plus de 3 annonces"
    assert titles_on(first) == ["Vélo numéro 6", "Vélo numéro 5"]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "Page 1</span>" in first and " sur " not in first.split('class="pager"', 1)[1]  # no last page known

    fourth = client.get("/marketplace/?q=velo&page=4").content.decode()
    assert titles_on(fourth) == ["Vélo numéro 0"]
    assert 'rel="prev"' in fourth and "page=3" in fourth and 'rel="next"' not in fourth

    beyond = client.get("/marketplace/?q=velo&page=9").content.decode()
    assert titles_on(beyond) == [] and "Aucune annonce sur cette page." in beyond and 'rel="first"' in beyond
    for bad in ("abc", "-2", "9" * 400):
        assert client.get(f"/marketplace/?q=velo&page={bad}").status_code == 200

    english = client.get("/marketplace/?q=velo", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert count_text(english) == "more than 3 listings"


def test_within_the_limit_the_count_is_exact_and_the_last_page_known(client, alice, seven_bikes, monkeypatch):
    monkeypatch.setattr(listing_views, "PAGE_SIZE", 2)
    logged_in(client, alice.user)
    first = client.get("/marketplace/?q=vélo").content.decode()
    assert count_text(first) == "7 annonces"
    assert "Page 1 sur 4" in first
    assert titles_on(client.get("/marketplace/?q=vélo&page=99").content.decode()) == ["Vélo numéro 0"]  # the last


def test_a_thousand_is_written_the_readers_way(alice):
    page = listing_selectors.ResultsPage(
        object_list=[], number=1, size=20, count=1000, count_is_lower_bound=True, has_next=True
    )
    request = RequestFactory().get("/marketplace/")
    request.user = alice.user
    for language, expected in [("fr", f"plus de 1{NNBSP}000 annonces"), ("en", "more than 1,000 listings")]:
        with translation.override(language):
            text = listing_views.format_number(page.count)
            html = render_to_string(
                "exchange/listings/search.html",
                {"form": listing_views.ListingSearchForm(), "page": page, "count_text": text, "query": ""},
                request=request,
            )
        assert count_text(html) == expected


def test_the_api_count_stops_at_the_limit_and_next_pages_on(alice, seven_bikes, small_limits):
    client = api_client_for(alice.user)
    first = client.get("/api/listings/?q=velo&limit=2").json()
    assert (first["count"], first["count_capped"]) == (3, True)
    assert [item["id"] for item in first["results"]] == [listing.pk for listing in seven_bikes[:2]]
    assert first["next"].endswith("limit=2&offset=2") or "offset=2" in first["next"]
    assert first["previous"] is None
    last = client.get("/api/listings/?q=velo&limit=2&offset=6").json()
    assert [item["id"] for item in last["results"]] == [seven_bikes[6].pk]
    assert last["next"] is None and "offset=4" in last["previous"]
    exact = client.get("/api/listings/?q=velo&limit=2&kind=want").json()
    assert (exact["count"], exact["count_capped"], exact["results"], exact["next"]) == (0, False, [], None)


def test_the_api_count_is_exact_within_the_limit(alice, seven_bikes):
    body = api_client_for(alice.user).get("/api/listings/?q=vélo&limit=5").json()
    assert (body["count"], body["count_capped"], len(body["results"])) == (7, False, 5)


def _listings_by_many(make_member, count: int) -> None:
    communes = list(Commune.objects.order_by("pk"))
    slugs = ["reparation-velos", "pain-patisserie", "cours-musique", "taille-entretien"]
    for number in range(count):
        member = make_member(commune=communes[number % len(communes)])
        publish(member, title=f"Vélo {number}", category=category(slugs[number % len(slugs)]))


def test_the_number_of_queries_does_not_grow_with_the_results(client, alice, make_member, django_user_model):
    logged_in(client, alice.user)
    api = api_client_for(alice.user)

    def queries(fetch) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert fetch().status_code == 200
        return len(captured.captured_queries)

    page = lambda: client.get("/marketplace/?q=vélo")  # noqa: E731
    listed = lambda: api.get("/api/listings/?q=vélo")  # noqa: E731
    _listings_by_many(make_member, 2)
    queries(page), queries(listed)  # the first request of a session fills caches: not what is measured
    page_few, api_few = queries(page), queries(listed)
    _listings_by_many(make_member, 12)
    assert (queries(page), queries(listed)) == (page_few, api_few)


def _card(page: str, title: str) -> str:
    return (
        page.split(f">{title}</a>", 1)[0].rsplit('<li class="card listing"', 1)[1]
        + page.split(f">{title}</a>", 1)[1].split("</li>", 1)[0]
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_card_shows_the_category_path_and_the_price_in_the_readers_language(client, alice, language):
    """The category and price filters (exchange.templatetags.listing_format) on the search, the
    author's list and the listing's own page: `Parent › Child`, the amount, « À convenir »."""
    child = category()
    assert child.parent is not None
    priced = publish(alice, title="Vélo réparé")
    agreed = publish(alice, title="Vélo à voir", price=None)
    logged_in(client, alice.user)
    path = f"{child.parent.name(language)} › {child.name(language)}"
    price = f"12{',' if language == 'fr' else '.'}50 GRN"
    to_agree = "À convenir" if language == "fr" else "To be agreed"
    headers = {"accept-language": language}

    search = client.get("/marketplace/", headers=headers).content.decode()
    assert path in _card(search, "Vélo réparé")
    assert f"<strong>{price}</strong>" in _card(search, "Vélo réparé")
    assert f"<strong>{to_agree}</strong>" in _card(search, "Vélo à voir")

    mine = client.get("/marketplace/mine/", headers=headers).content.decode()
    assert price in mine and to_agree in mine

    detail = client.get(f"/marketplace/{priced.pk}/", headers=headers).content.decode()
    assert path in detail
    assert f'data-testid="listing-price">{price}</strong>' in detail
    detail = client.get(f"/marketplace/{agreed.pk}/", headers=headers).content.decode()
    assert f'data-testid="listing-price">{to_agree}</strong>' in detail
