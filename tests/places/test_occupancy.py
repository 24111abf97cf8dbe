"""Occupancy as open data: seat-hours open and booked per place, kind and commune, exact on a small
hand-made month with a daylight-saving change (March 2026), its API, and the transparency page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from places.models import Booking, OpeningException, OpeningRule
from places.selectors.occupancy import month_bounds, occupancy_for_month
from tests.places.conftest import local

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def march(network, make_booking):
    """The shared network in March 2026, plus a night opening of the fablab on Sundays 00:00–06:00
    (on the 29th the clocks jump from 02:00 to 03:00: that night is 5 real hours), and bookings:

    - open space: 2 seats Mon 2nd 09:00–13:00 (8 seat-hours); 1 seat Fri 27th 17:00–19:00, half of
      it after closing (1); 1 seat in April (not March);
    - meeting room: Wed 4th 14:00–16:00 checked in (2); Thu 5th 10:00–12:00 cancelled (0);
    - laser: the night of the change, 01:00–04:00 local = 2 real hours (2);
    - workshop (the laser's parent, not counted itself): Tue 10th 10:00–12:00 takes the laser (2);
    - the place that is not public: never counted.
    """
    OpeningRule.objects.create(place=network.fablab, weekday=6, opens=dt.time(0), closes=dt.time(6))
    make_booking(network.open_space, local(2026, 3, 2, 9), local(2026, 3, 2, 13), seats=2)
    make_booking(network.open_space, local(2026, 3, 27, 17), local(2026, 3, 27, 19))
    make_booking(network.open_space, local(2026, 4, 1, 9), local(2026, 4, 1, 12))
    make_booking(network.meeting_room, local(2026, 3, 4, 14), local(2026, 3, 4, 16), status=Booking.Status.CHECKED_IN)
    make_booking(network.meeting_room, local(2026, 3, 5, 10), local(2026, 3, 5, 12), status=Booking.Status.CANCELLED)
    make_booking(network.laser, local(2026, 3, 29, 1), local(2026, 3, 29, 4), status=Booking.Status.COMPLETED)
    make_booking(network.workshop, local(2026, 3, 10, 10), local(2026, 3, 10, 12), status=Booking.Status.NO_SHOW)
    make_booking(network.hidden_room, local(2026, 3, 3, 9), local(2026, 3, 3, 12))
    return network


def test_the_month_is_bounded_by_local_midnights_whatever_the_offset():
    bounds = month_bounds(MARCH)
    assert bounds.start == dt.datetime(2026, 2, 28, 23, 0, tzinfo=dt.UTC)  # 00:00 CET
    assert bounds.end == dt.datetime(2026, 3, 31, 22, 0, tzinfo=dt.UTC)  # 00:00 CEST


def test_seat_hours_open_and_booked_are_exact_across_the_change_of_time(march):
    occupancy = occupancy_for_month(MARCH)

    # Coworking: 22 weekdays × 9 h; the open space has 6 seats, the meeting room 1.
    # Fablab: 21 days Tuesday–Saturday × 9 h, plus Sunday nights 4 × 6 h + 5 h (29th) = 218 h on the laser.
    by_place = {line.name: line for line in occupancy.places}
    assert set(by_place) == {"Le Bocal", "Fablab du Bocage"}
    coworking, fablab = by_place["Le Bocal"], by_place["Fablab du Bocage"]
    assert (coworking.hours_open, coworking.hours_booked, coworking.rate) == (
        Decimal("1386.00"),
        Decimal("11.00"),
        Decimal("0.8"),
    )
    assert (fablab.hours_open, fablab.hours_booked, fablab.rate) == (Decimal("218.00"), Decimal("4.00"), Decimal("1.8"))
    assert [(k.kind, k.hours_open, k.hours_booked) for k in coworking.kinds] == [
        ("desk", Decimal("1188.00"), Decimal("9.00")),
        ("meeting_room", Decimal("198.00"), Decimal("2.00")),
    ]
    assert [(k.kind, k.hours_open, k.hours_booked, k.rate) for k in occupancy.kinds] == [
        ("desk", Decimal("1188.00"), Decimal("9.00"), Decimal("0.8")),
        ("meeting_room", Decimal("198.00"), Decimal("2.00"), Decimal("1.0")),
        ("machine", Decimal("218.00"), Decimal("4.00"), Decimal("1.8")),
    ]
    assert [(c.commune, c.hours_open, c.hours_booked) for c in occupancy.communes] == [
        ("Les Achards", Decimal("1386.00"), Decimal("11.00")),
        ("Martinet", Decimal("218.00"), Decimal("4.00")),
    ]
    assert (occupancy.total.hours_open, occupancy.total.hours_booked, occupancy.total.rate) == (
        Decimal("1604.00"),
        Decimal("15.00"),
        Decimal("0.9"),
    )


def test_a_closure_is_neither_open_nor_booked_and_a_month_without_openings_has_no_rate(march):
    OpeningException.objects.create(place=march.coworking, date=dt.date(2026, 3, 2), kind="closure")
    coworking = next(line for line in occupancy_for_month(MARCH).places if line.name == "Le Bocal")
    # One weekday less (9 h × 7 seats), and the 8 seat-hours booked that day are not counted.
    assert (coworking.hours_open, coworking.hours_booked) == (Decimal("1323.00"), Decimal("3.00"))

    OpeningRule.objects.all().delete()
    empty = occupancy_for_month(MARCH)
    assert empty.total.hours_open == Decimal("0.00") and empty.total.rate is None


# --- the API ------------------------------------------------------------------------------------


def test_the_api_gives_the_month_and_no_personal_data(march, booker):
    response = Client().get("/api/places/occupancy/?month=2026-03")

    assert response.status_code == 200
    body = response.json()
    assert body["month"] == "2026-03" and body["time_zone"] == "Europe/Paris"
    assert body["total"] == {"hours_open": "1604.00", "hours_booked": "15.00", "rate": "0.9"}
    assert [(p["name"], p["commune"], p["rate"]) for p in body["places"]] == [
        ("Fablab du Bocage", "Martinet", "1.8"),
        ("Le Bocal", "Les Achards", "0.8"),
    ]
    assert body["places"][1]["kinds"][0] == {
        "kind": "desk",
        "hours_open": "1188.00",
        "hours_booked": "9.00",
        "rate": "0.8",
    }
    assert body["communes"][0] == {
        "commune": "Les Achards",
        "postal_code": "85150",
        "hours_open": "1386.00",
        "hours_booked": "11.00",
        "rate": "0.8",
    }
    text = response.content.decode()
    for personal in [booker.display_name, booker.user.username, '"member']:
        assert personal and personal not in text


def test_without_a_month_the_api_answers_the_current_one():
    from places.selectors.occupancy import month_of

    body = Client().get("/api/places/occupancy/").json()
    assert body["month"] == month_of().strftime("%Y-%m")
    assert body["places"] == [] and body["total"]["rate"] is None


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-3", "march", "1999-12", "2026-03-01", "２０２６-03"])
def test_a_month_not_written_yyyy_mm_is_a_400(month):
    response = Client().get("/api/places/occupancy/", {"month": month})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "month" in response.json()["fields"]


# --- the transparency page ----------------------------------------------------------------------


def test_the_transparency_page_lists_the_public_places_and_their_occupancy(march):
    page = Client().get("/public/transparency/", headers={"accept-language": "fr"}).content.decode()

    assert 'data-testid="transparency-places"' in page
    assert "Le Bocal" in page and "Fablab du Bocage" in page and "Les Achards" in page
    assert "Café en travaux" not in page  # not public
    assert 'id="chart-occupancy"' in page
    assert "/api/places/occupancy/" in page
    assert "reservante" not in page


def test_without_places_the_transparency_page_has_no_places_section():
    page = Client().get("/public/transparency/").content.decode()
    assert "transparency-places" not in page
