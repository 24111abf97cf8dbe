"""The weekly booking pages: the form, the dates previewed with those not possible, the result."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from places.models import Booking, BookingSeries, OpeningException
from tests.places.booking_setup import booking_day, funded_member, make_place, make_resource

pytestmark = pytest.mark.django_db


def test_preview_then_confirm_lists_the_dates_booked_and_those_not_possible():
    place = make_place()
    room = make_resource(place, "Salle du conseil")
    alice = funded_member("alice")
    first = booking_day(2)
    closed = first + dt.timedelta(weeks=1)
    OpeningException.objects.create(place=place, date=closed, kind=OpeningException.Kind.CLOSURE)
    client = Client()
    client.force_login(alice.user)
    url = f"/places/resources/{room.pk}/book/weekly/"
    assert url in client.get(f"/places/resources/{room.pk}/book/").content.decode()
    form = client.get(url, {"date": first.isoformat(), "start": "18:00"})
    assert form.status_code == 200 and 'name="first_date"' in form.content.decode()

    data = {
        "idempotency_key": "abc",
        "first_date": first.isoformat(),
        "last_date": (first + dt.timedelta(weeks=2)).isoformat(),
        "start": "18:00",
        "end": "20:00",
        "seats": "1",
    }
    preview = client.post(url, data)
    assert preview.status_code == 200
    assert preview.content.decode().count('data-testid="series-date"') == 3
    assert not BookingSeries.objects.exists() and not Booking.objects.exists()  # a preview writes nothing
    signature = preview.context["signature"]

    done = client.post(url, {**data, "confirm": signature})
    assert done.status_code == 200
    assert [b.start.date() for b in done.context["result"].booked] == [first, first + dt.timedelta(weeks=2)]
    assert [c.code for c in done.context["result"].conflicts] == ["outside_opening_hours"]
    assert 'data-testid="series-conflicts"' in done.content.decode()
    again = client.post(url, {**data, "confirm": signature})  # the page sent twice
    assert again.status_code == 200
    assert (BookingSeries.objects.count(), Booking.objects.count()) == (1, 2)

    refused = client.post(url, {**data, "last_date": (first + dt.timedelta(weeks=60)).isoformat()})
    assert refused.status_code == 422
