"""The recurring bookings API (a contract): 201 with the booked dates and the conflicts, a replay
books nothing twice, who reads and cancels a series."""

from __future__ import annotations

import datetime as dt

import pytest

from places.models import Booking, BookingSeries, OpeningException
from tests.conftest import api_client_for
from tests.places.booking_setup import booking_day, funded_member, make_place, make_resource

pytestmark = pytest.mark.django_db


def test_a_series_through_the_api():
    place = make_place()
    room = make_resource(place, "Salle du conseil")
    alice, bob = funded_member("alice"), funded_member("bob")
    first = booking_day(2)
    closed = first + dt.timedelta(weeks=1)
    OpeningException.objects.create(place=place, date=closed, kind=OpeningException.Kind.CLOSURE)
    body = {
        "weekday": first.isoweekday(),
        "start_time": "18:00",
        "end_time": "20:00",
        "first_date": first.isoformat(),
        "last_date": (first + dt.timedelta(weeks=2)).isoformat(),
    }
    client = api_client_for(alice.user)
    url = f"/api/places/resources/{room.pk}/series/"
    assert client.post(url, body, format="json").status_code == 400  # no Idempotency-Key
    response = client.post(url, body, format="json", headers={"Idempotency-Key": "serie-1"})
    assert response.status_code == 201, response.json()
    created = response.json()
    assert [b["start"][:16] for b in created["bookings"]] == [
        f"{first.isoformat()}T18:00",
        f"{(first + dt.timedelta(weeks=2)).isoformat()}T18:00",
    ]
    assert [(c["date"], c["code"]) for c in created["conflicts"]] == [(closed.isoformat(), "outside_opening_hours")]
    again = client.post(url, body, format="json", headers={"Idempotency-Key": "serie-1"})
    assert again.json() == created
    assert (BookingSeries.objects.count(), Booking.objects.count()) == (1, 2)

    too_long = {**body, "last_date": (first + dt.timedelta(weeks=60)).isoformat()}
    refused = client.post(url, too_long, format="json", headers={"Idempotency-Key": "serie-2"})
    assert (refused.status_code, refused.json()["code"]) == (422, "series_too_long")
    bad = client.post(url, {**body, "end_time": "17:00"}, format="json", headers={"Idempotency-Key": "serie-3"})
    assert bad.status_code == 400 and "end_time" in bad.json()["fields"]

    series_url = f"/api/booking-series/{created['series']}/"
    assert api_client_for(bob.user).get(series_url).status_code == 404
    assert api_client_for(bob.user).post(series_url + "cancel/").status_code == 404
    read = client.get(series_url).json()
    assert [b["id"] for b in read["bookings"]] == [b["id"] for b in created["bookings"]]
    cancelled = client.post(series_url + "cancel/")
    assert cancelled.status_code == 200
    assert [b["status"] for b in cancelled.json()["bookings"]] == ["cancelled", "cancelled"]
    assert cancelled.json()["cancelled_at"] is not None
