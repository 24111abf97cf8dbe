"""The public directory: active businesses and associations that chose to appear, nobody else."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from currency.selectors.public import directory, directory_activities
from members.models import Commune, Member
from members.services import member_update
from membership.services import member_close

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(make_member, staff_user):
    achards = Commune.objects.get(name="Les Achards")
    martinet = Commune.objects.get(name="Martinet")
    business = Member.Kind.BUSINESS
    bakery = make_member(
        business,
        username="bakery",
        display_name="Boulangerie du Martinet",
        commune=martinet,
        activity="Boulangerie",
        address="3 place de l'Église",
        phone="02 51 00 10 01",
        in_directory=True,
        siren="732829320",
        iban="FR7630006000011234567890189",
    )
    member_update(
        member=bakery,
        actor=staff_user,
        website="https://boulangerie.example",
        opening_hours="mar.–sam. 7 h–19 h",
        directory_shows_address=True,
        directory_shows_phone=True,
    )
    cowork = make_member(
        business,
        username="cowork",
        display_name="Le Cowork",
        commune=achards,
        activity="Coworking",
        in_directory=True,
        address="12 rue Discrète",
        phone="02 51 99 99 99",
    )
    bikes = make_member(
        Member.Kind.ASSOCIATION,
        username="bikes",
        display_name="Atelier vélo",
        commune=achards,
        activity="Réparation de vélos",
        in_directory=True,
    )
    make_member(business, username="hidden", display_name="Discreet Ltd", commune=achards, activity="Conseil")
    make_member(
        Member.Kind.INDIVIDUAL,
        username="person",
        display_name="Camille Rousseau",
        commune=achards,
        activity="Boulangerie",
        in_directory=True,
    )
    closed = make_member(
        business, username="closed", display_name="Fermé SARL", commune=achards, activity="Coworking", in_directory=True
    )
    member_close(member=closed, actor=staff_user)
    return {"bakery": bakery, "cowork": cowork, "bikes": bikes, "achards": achards, "martinet": martinet}


def names(members) -> list[str]:
    return [member.display_name for member in members]


def test_only_active_businesses_and_associations_in_the_directory_are_listed(places):
    assert names(directory()) == ["Atelier vélo", "Boulangerie du Martinet", "Le Cowork"]


def test_individuals_are_never_listed_even_when_they_asked_to_be(places):
    assert "Camille Rousseau" not in names(directory(activity="Boulangerie"))
    assert "Camille Rousseau" not in names(directory(q="Camille"))


def test_a_closed_member_is_not_listed(places):
    assert names(directory(activity="Coworking")) == ["Le Cowork"]


def test_the_directory_filters_by_commune_activity_and_text(places):
    assert names(directory(commune=places["achards"])) == ["Atelier vélo", "Le Cowork"]
    assert names(directory(commune=places["martinet"].pk)) == ["Boulangerie du Martinet"]
    assert names(directory(activity="coworking")) == ["Le Cowork"]
    assert names(directory(commune=places["martinet"], activity="Coworking")) == []
    assert names(directory(q="vélo")) == ["Atelier vélo"]
    assert names(directory(q="Martinet")) == ["Boulangerie du Martinet"]  # the commune's name


def test_the_activity_filter_offers_the_distinct_activities_of_listed_places_only(places):
    assert directory_activities() == ["Boulangerie", "Coworking", "Réparation de vélos"]


def test_the_api_needs_no_login_and_filters_by_commune_and_activity(places):
    client = Client()
    everyone = client.get("/api/directory/").json()
    assert everyone["count"] == 3
    by_commune = client.get("/api/directory/", {"commune": places["achards"].pk}).json()
    assert [entry["name"] for entry in by_commune["results"]] == ["Atelier vélo", "Le Cowork"]
    by_activity = client.get("/api/directory/", {"activity": "Boulangerie"}).json()
    assert by_activity["results"] == [
        {
            "id": places["bakery"].pk,
            "name": "Boulangerie du Martinet",
            "kind": "business",
            "activity": "Boulangerie",
            "description": "",
            "commune": {"id": places["martinet"].pk, "name": "Martinet", "postal_code": "85150"},
            "address": "3 place de l'Église",
            "phone": "02 51 00 10 01",
            "website": "https://boulangerie.example",
            "opening_hours": "mar.–sam. 7 h–19 h",
        }
    ]


def test_the_api_is_paginated(places):
    page = Client().get("/api/directory/", {"limit": 2}).json()
    assert (page["count"], len(page["results"])) == (3, 2)
    assert page["next"] is not None


def test_the_api_never_shows_identity_numbers_or_usernames(places):
    text = Client().get("/api/directory/").content.decode()
    for private in ["732829320", "FR76", "bakery", "person", "Camille", "siren", "iban", "username"]:
        assert private not in text


def test_a_commune_that_is_not_a_number_is_a_400(places):
    response = Client().get("/api/directory/", {"commune": "Les Achards"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "commune" in response.json()["fields"]


@pytest.mark.parametrize(("language", "login_link"), [("fr", "Se connecter"), ("en", "Log in")])
def test_the_page_needs_no_login_and_shows_the_cards(places, language, login_link):
    response = Client(headers={"accept-language": language}).get("/public/directory/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{language}"' in html
    assert login_link in html
    assert html.count('data-testid="place"') == 3
    assert "02 51 00 10 01" in html
    assert 'href="tel:0251001001"' in html
    assert "https://boulangerie.example" in html
    assert "Camille Rousseau" not in html
    assert "Discreet Ltd" not in html


def test_the_page_filters_by_commune_and_activity(places):
    client = Client()
    html = client.get("/public/directory/", {"commune": places["achards"].pk}).content.decode()
    assert html.count('data-testid="place"') == 2
    assert f'<option value="{places["achards"].pk}" selected>' in html

    html = client.get("/public/directory/", {"activity": "Boulangerie"}).content.decode()
    assert html.count('data-testid="place"') == 1
    assert "Boulangerie du Martinet" in html


def test_the_page_ignores_filters_it_does_not_know(places):
    html = Client().get("/public/directory/", {"commune": "x", "activity": "Piraterie"}).content.decode()
    assert html.count('data-testid="place"') == 3


def test_an_address_and_a_phone_are_shown_only_when_chosen(places):
    cowork = Client().get("/api/directory/", {"activity": "Coworking"}).json()["results"][0]
    assert (cowork["address"], cowork["phone"]) == ("", "")
    page = Client().get("/public/directory/").content.decode()
    assert "3 place de l&#x27;Église" in page and "02 51 00 10 01" in page
    assert "Discrète" not in page and "99 99" not in page
    assert "mar.–sam. 7 h–19 h" in page
    api = Client().get("/api/directory/").content.decode()
    assert "Discrète" not in api and "99 99" not in api


def test_the_text_search_does_not_match_a_hidden_address(places):
    assert names(directory(q="Discrète")) == []
    assert names(directory(q="place de l'Église")) == ["Boulangerie du Martinet"]
    member_update(member=places["cowork"], actor=None, directory_shows_address=True)
    assert names(directory(q="Discrète")) == ["Le Cowork"]


# --- a directory longer than a page ---------------------------------------------------------


@pytest.fixture
def grocers(make_member):
    """55 grocers in Les Achards (more than a page), and 3 in Martinet the filters leave out."""
    achards = Commune.objects.get(name="Les Achards")
    martinet = Commune.objects.get(name="Martinet")
    for number in range(1, 56):
        make_member(
            Member.Kind.BUSINESS,
            username=f"grocer{number}",
            display_name=f"Épicerie {number:02d}",
            commune=achards,
            activity="Épicerie",
            in_directory=True,
        )
    for number in range(1, 4):
        make_member(
            Member.Kind.BUSINESS,
            username=f"martinet{number}",
            display_name=f"Épicerie Martinet {number}",
            commune=martinet,
            activity="Épicerie",
            in_directory=True,
        )
    return achards


def card_names(html: str) -> list[str]:
    return [
        unescape(name)
        for name in re.findall(r'<article class="card place" data-testid="place">\s*<h2>(.*?)</h2>', html)
    ]


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)" rel="{rel}">', html)
    return unescape(found.group(1)) if found else None


def test_a_directory_longer_than_a_page_shows_the_first_page_and_a_next_link_keeping_the_filters(grocers):
    client = Client(headers={"accept-language": "en"})
    filters = {"commune": grocers.pk, "activity": "Épicerie", "q": "Épicerie"}

    first = client.get("/public/directory/", filters).content.decode()

    assert card_names(first) == [f"Épicerie {number:02d}" for number in range(1, 51)]
    assert "55 places" in first
    assert "Page 1 of 2" in first
    assert link(first, "prev") is None
    next_url = link(first, "next")
    assert next_url == f"?commune={grocers.pk}&activity=%C3%89picerie&q=%C3%89picerie&page=2"

    second = client.get("/public/directory/" + next_url).content.decode()

    assert card_names(second) == [f"Épicerie {number:02d}" for number in range(51, 56)]
    assert "Page 2 of 2" in second
    assert link(second, "next") is None
    assert link(second, "prev") == f"?commune={grocers.pk}&activity=%C3%89picerie&q=%C3%89picerie&page=1"


def test_a_page_past_the_end_is_the_last_page_and_a_bad_page_number_the_first(grocers):
    client = Client(headers={"accept-language": "en"})

    past = client.get("/public/directory/", {"commune": grocers.pk, "page": 99})
    not_a_number = client.get("/public/directory/", {"commune": grocers.pk, "page": "deux"})

    assert past.status_code == 200
    assert card_names(past.content.decode()) == [f"Épicerie {number:02d}" for number in range(51, 56)]
    assert not_a_number.status_code == 200
    assert card_names(not_a_number.content.decode())[:2] == ["Épicerie 01", "Épicerie 02"]
    assert len(card_names(not_a_number.content.decode())) == 50


def test_a_directory_of_one_page_has_no_pager(places):
    html = Client().get("/public/directory/").content.decode()
    assert 'data-testid="directory-pager"' not in html
    assert 'rel="next"' not in html


def test_the_api_gives_50_places_a_page_by_default(grocers):
    page = Client().get("/api/directory/", {"commune": grocers.pk}).json()
    assert (page["count"], len(page["results"])) == (55, 50)
    assert page["results"][0]["name"] == "Épicerie 01"
    assert page["next"].endswith(f"?commune={grocers.pk}&limit=50&offset=50")
    rest = Client().get(page["next"]).json()
    assert [entry["name"] for entry in rest["results"]] == [f"Épicerie {number:02d}" for number in range(51, 56)]
