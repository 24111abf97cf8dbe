"""The public catalogue API: places, GeoJSON, resources and a resource's availability, read anonymously."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from places.models import OpeningException
from tests.conftest import api_client_for
from tests.places.conftest import local

# The API's clock: Sunday 2027-01-10, noon in Paris.
NOW = local(2027, 1, 10, 12)


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))


@pytest.fixture
def anonymous():
    return api_client_for(None)


def availability(client, resource, start: str, end: str):
    return client.get(f"/api/resources/{resource.pk}/availability/?{urlencode({'start': start, 'end': end})}")


def test_places_list_only_public_places_with_their_hours_and_resources(network, anonymous, clock):
    OpeningException.objects.create(
        place=network.coworking, date=dt.date(2027, 1, 22), kind="closure", reason="Inventaire"
    )
    response = anonymous.get("/api/places/")
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Fablab du Bocage", "Le Bocal"]
    bocal = response.json()["results"][1]
    assert bocal["id"] == network.coworking.pk
    assert bocal["kinds"] == ["coworking"]
    assert bocal["commune"]["name"] == "Les Achards"
    assert bocal["address"] == "12 rue Georges-Clemenceau, 85150 Les Achards"
    assert (bocal["latitude"], bocal["longitude"]) == (46.6167, -1.6492)
    assert bocal["units"] == ["ACH", "HRS"]
    assert bocal["resources"] == sorted([network.open_space.pk, network.meeting_room.pk])
    assert bocal["opening_hours"][0] == {
        "weekday": 0,
        "opens": "09:00",
        "closes": "18:00",
        "valid_from": None,
        "valid_until": None,
    }
    assert len(bocal["opening_hours"]) == 5
    assert bocal["open_now"] is False  # a Sunday
    whole_day = {"opens": None, "closes": None, "resource": None}
    assert bocal["closures"] == [{"date": "2027-01-22", "kind": "closure", **whole_day, "reason": "Inventaire"}]
    assert bocal["services"] == ["wifi", "printer", "video_conference"]
    assert bocal["accessibility"] == {"step_free_access": True, "accessible_toilets": False}
    assert bocal["url"] == f"/places/{network.coworking.pk}/"


def test_places_filter_by_commune_kind_and_service(network, anonymous):
    def names(query: str) -> list[str]:
        response = anonymous.get(f"/api/places/?{query}")
        assert response.status_code == 200
        return [p["name"] for p in response.json()["results"]]

    assert names(f"commune={network.fablab.commune_id}") == ["Fablab du Bocage"]
    assert names("kind=coworking") == ["Le Bocal"]
    assert names("service=wifi") == ["Fablab du Bocage", "Le Bocal"]
    assert names("service=printer&kind=fablab") == []
    assert names(f"commune={network.hidden.commune_id}") == []


@pytest.mark.parametrize(
    "query", ["commune=abc", "commune=-1", "kind=bakery", "service=pool", "commune=99999999999999999999"]
)
def test_malformed_place_filters_are_a_400_naming_the_field(network, anonymous, query):
    response = anonymous.get(f"/api/places/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [query.split("=")[0]]


def test_a_place_that_is_not_public_is_a_404_and_open_now_follows_the_clock(network, anonymous, monkeypatch):
    assert anonymous.get(f"/api/places/{network.hidden.pk}/").status_code == 404
    assert anonymous.get("/api/places/999999/").status_code == 404
    monkeypatch.setattr(timezone, "now", lambda: local(2027, 1, 12, 10, 30).astimezone(dt.UTC))
    response = anonymous.get(f"/api/places/{network.fablab.pk}/")
    assert response.status_code == 200
    assert response.json()["open_now"] is True
    assert response.json()["resources"] == sorted([network.workshop.pk, network.laser.pk])


def test_geojson_is_one_point_feature_per_public_place(network, anonymous):
    response = anonymous.get("/api/places/geojson/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in data["features"]] == ["Fablab du Bocage", "Le Bocal"]
    fablab = data["features"][0]
    assert fablab["geometry"] == {"type": "Point", "coordinates": [-1.6764, 46.6603]}
    assert fablab["properties"] == {
        "id": network.fablab.pk,
        "name": "Fablab du Bocage",
        "kinds": ["fablab"],
        "commune": "Martinet",
        "commune_id": network.fablab.commune_id,
        "address": "3 place de l'Église, 85150 Martinet",
        "url": f"/places/{network.fablab.pk}/",
    }
    as_json = anonymous.get("/api/places/geojson/", HTTP_ACCEPT="application/json")
    assert as_json["Content-Type"] == "application/json"


def test_resources_list_filters_and_shows_prices_as_decimal_strings(network, anonymous):
    response = anonymous.get("/api/resources/")
    assert response.status_code == 200
    names = [r["name"] for r in response.json()["results"]]
    assert names == ["Atelier", "Découpeuse laser", "Open space", "Salle de réunion"]  # never the hidden café's
    desks = anonymous.get("/api/resources/?min_capacity=6").json()["results"]
    assert [r["name"] for r in desks] == ["Open space", "Salle de réunion"]  # 6 desks; a room for 8
    assert [r["shared"] for r in desks] == [True, False]
    assert desks[0]["prices"] == [{"amount": "3.00", "unit": "ACH"}, {"amount": "1.00", "unit": "HRS"}]
    assert desks[0]["capacity"] == 6 and desks[0]["place"] == network.coworking.pk
    machines = anonymous.get(f"/api/resources/?kind=machine&place={network.fablab.pk}").json()["results"]
    assert [r["name"] for r in machines] == ["Découpeuse laser"]
    assert anonymous.get("/api/resources/?min_capacity=9").json()["results"] == []


def test_a_resource_shows_its_rules_and_its_qualification(network, anonymous):
    laser = anonymous.get(f"/api/resources/{network.laser.pk}/").json()
    assert {key: laser[key] for key in ("kind", "capacity", "step_minutes", "min_minutes", "max_minutes")} == {
        "kind": "machine",
        "capacity": 1,
        "step_minutes": 30,
        "min_minutes": 30,
        "max_minutes": 240,
    }
    assert laser["qualification_required"] is True
    assert laser["qualification"] == {"id": network.laser_training.pk, "name": "Découpe laser"}
    assert laser["parent"] == network.workshop.pk
    assert laser["members_only"] is True
    assert (laser["horizon_days"], laser["buffer_minutes"], laser["cancel_deadline_hours"]) == (90, 0, 24)
    assert laser["late_cancel_fee_percent"] == 50
    assert anonymous.get(f"/api/resources/{network.open_space.pk}/").json()["qualification_required"] is False
    assert anonymous.get(f"/api/resources/{network.hidden_room.pk}/").status_code == 404


@pytest.mark.parametrize("query", ["min_capacity=abc", "min_capacity=0", "min_capacity=1e3", "place=x", "kind=boat"])
def test_malformed_resource_filters_are_a_400(network, anonymous, query):
    response = anonymous.get(f"/api/resources/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [query.split("=")[0]]


def test_availability_answers_in_paris_time_with_the_offset_of_each_side_of_the_change(
    network, anonymous, clock, make_booking
):
    make_booking(network.open_space, local(2027, 3, 26, 10), local(2027, 3, 26, 12), seats=2)
    # Clocks go forward on Sunday 2027-03-28.
    response = availability(anonymous, network.open_space, "2027-03-26T00:00:00+01:00", "2027-03-30T00:00:00+02:00")
    assert response.status_code == 200
    assert response.json() == {
        "resource": network.open_space.pk,
        "start": "2027-03-26T00:00:00+01:00",
        "end": "2027-03-30T00:00:00+02:00",
        "free": [
            {"start": "2027-03-26T09:00:00+01:00", "end": "2027-03-26T10:00:00+01:00", "seats": 6},
            {"start": "2027-03-26T10:00:00+01:00", "end": "2027-03-26T12:00:00+01:00", "seats": 4},
            {"start": "2027-03-26T12:00:00+01:00", "end": "2027-03-26T18:00:00+01:00", "seats": 6},
            {"start": "2027-03-29T09:00:00+02:00", "end": "2027-03-29T18:00:00+02:00", "seats": 6},
        ],
    }


def test_availability_reads_utc_and_an_unencoded_plus(network, anonymous, clock):
    query = "start=2027-01-14T08:00:00Z&end=2027-01-14T12:00:00 01:00"
    response = anonymous.get(f"/api/resources/{network.meeting_room.pk}/availability/?{query}")
    assert response.status_code == 200
    assert response.json()["free"] == [
        {"start": "2027-01-14T09:00:00+01:00", "end": "2027-01-14T12:00:00+01:00", "seats": 8}
    ]


def test_availability_is_readable_a_year_ahead_but_not_beyond(network, anonymous, clock):
    start = (NOW + dt.timedelta(days=360)).isoformat()
    end = (NOW + dt.timedelta(days=366)).isoformat()
    assert availability(anonymous, network.open_space, start, end).status_code == 200
    response = availability(anonymous, network.open_space, start, (NOW + dt.timedelta(days=367)).isoformat())
    assert response.status_code == 400
    assert response.json()["code"] == "range_out_of_bounds"


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_availability_at_the_ends_of_the_calendar_is_out_of_bounds(network, anonymous, clock, moment):
    response = availability(anonymous, network.open_space, moment, "2027-01-14T12:00:00+01:00")
    assert response.status_code == 400
    assert response.json()["code"] == "range_out_of_bounds"


def test_availability_refuses_more_than_31_days(network, anonymous, clock):
    ok = availability(anonymous, network.open_space, "2027-02-01T00:00:00+01:00", "2027-03-04T00:00:00+01:00")
    assert ok.status_code == 200
    response = availability(anonymous, network.open_space, "2027-02-01T00:00:00+01:00", "2027-03-04T00:00:01+01:00")
    assert response.status_code == 400
    assert response.json()["code"] == "range_too_long"
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("", "2027-01-14T12:00:00+01:00", "start"),
        ("2027-01-14T09:00:00+01:00", "", "end"),
        ("2027-01-14T09:00:00", "2027-01-14T12:00:00+01:00", "start"),  # naive
        ("tomorrow", "2027-01-14T12:00:00+01:00", "start"),
        ("2027-02-30T09:00:00+01:00", "2027-03-01T12:00:00+01:00", "start"),
        ("2027-01-14T12:00:00+01:00", "2027-01-14T12:00:00+01:00", "end"),  # not after start
    ],
)
def test_malformed_availability_requests_are_a_400(network, anonymous, clock, start, end, field):
    response = availability(anonymous, network.open_space, start, end)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]


def test_availability_of_an_unknown_or_hidden_resource_is_a_404(network, anonymous, clock):
    args = ("2027-01-14T09:00:00+01:00", "2027-01-14T12:00:00+01:00")
    assert availability(anonymous, network.hidden_room, *args).status_code == 404
    assert anonymous.get("/api/resources/99999999/availability/").status_code == 404


def test_messages_are_in_the_callers_language(network, anonymous):
    response = anonymous.get("/api/resources/?min_capacity=abc", HTTP_ACCEPT_LANGUAGE="fr")
    french = response.json()["fields"]["min_capacity"][0]
    english = anonymous.get("/api/resources/?min_capacity=abc", HTTP_ACCEPT_LANGUAGE="en").json()["fields"]
    assert english["min_capacity"] == ["Give a whole number of seats, at least 1."]
    assert french != english["min_capacity"][0]
