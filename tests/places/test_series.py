"""Recurring bookings at the service: every occurrence through booking_create, conflicts listed
with their codes, wall times kept across a clock change, retries booking nothing twice, cancelling
what is left of a series."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from core.errors import PermissionDenied
from ledger.models import Hold
from places.errors import SeriesTooLong
from places.models import Booking, BookingSeries, OpeningException
from places.selectors.series import series_preview
from places.services import booking_create, booking_series_cancel, booking_series_create
from tests.factories import account_of
from tests.places.booking_setup import funded_member, local, make_place, make_resource, state

pytestmark = pytest.mark.django_db

# Tuesdays around the night clocks go back (Sunday 31 October 2027).
TUESDAYS = [dt.date(2027, 10, 19), dt.date(2027, 10, 26), dt.date(2027, 11, 2), dt.date(2027, 11, 9)]
NOW = local(dt.date(2027, 10, 1), 9)
TERM: dict[str, Any] = {
    "weekday": 2,
    "start_time": dt.time(18),
    "end_time": dt.time(20),
    "first_date": dt.date(2027, 10, 18),
    "last_date": dt.date(2027, 11, 14),
}


@pytest.fixture
def scene():
    place = make_place()
    room = make_resource(place, "Salle du conseil", horizon_days=400)  # 3 ACH an hour
    alice, bob = funded_member("alice"), funded_member("bob")
    # 26 October is taken by bob; 2 November the place is closed.
    booking_create(
        resource=room, member=bob, start=local(TUESDAYS[1], 18), end=local(TUESDAYS[1], 20), actor=bob.user, now=NOW
    )
    OpeningException.objects.create(place=place, date=TUESDAYS[2], kind=OpeningException.Kind.CLOSURE)
    return room, alice, bob


def create(room, alice, **extra):
    return booking_series_create(resource=room, member=alice, actor=alice.user, now=NOW, **{**TERM, **extra})


def test_a_series_books_the_free_tuesdays_at_18_on_both_sides_of_the_clock_change_and_lists_the_others(scene):
    room, alice, _bob = scene
    preview = series_preview(resource=room, now=NOW, **TERM)
    assert [(line.date, line.code) for line in preview] == [
        (TUESDAYS[0], None),
        (TUESDAYS[1], "slot_unavailable"),
        (TUESDAYS[2], "outside_opening_hours"),
        (TUESDAYS[3], None),
    ]
    assert not BookingSeries.objects.exists()  # the preview wrote nothing

    result = create(room, alice, idempotency_key="k1")
    starts = [timezone.localtime(b.start) for b in result.booked]
    assert [(s.date(), s.hour, s.utcoffset()) for s in starts] == [
        (TUESDAYS[0], 18, dt.timedelta(hours=2)),
        (TUESDAYS[3], 18, dt.timedelta(hours=1)),
    ]
    assert [(c.date, c.code) for c in result.conflicts] == [
        (TUESDAYS[1], "slot_unavailable"),
        (TUESDAYS[2], "outside_opening_hours"),
    ]
    assert all(c.message for c in result.conflicts)
    assert set(result.series.bookings.all()) == set(result.booked)
    assert state(account_of(alice, "ACH")).held == 2 * 600

    # A retry with the same key: the same series and bookings, nothing booked or held twice.
    again = create(room, alice, idempotency_key="k1")
    assert again.series.pk == result.series.pk
    assert [b.pk for b in again.booked] == [b.pk for b in result.booked]
    assert [c.code for c in again.conflicts] == ["slot_unavailable", "outside_opening_hours"]
    assert (BookingSeries.objects.count(), Booking.objects.filter(member=alice).count()) == (1, 2)
    assert Hold.objects.filter(debit_account=account_of(alice, "ACH")).count() == 2
    assert state(account_of(alice, "ACH")).held == 2 * 600


def test_cancelling_a_series_cancels_its_future_occurrences_only(scene):
    room, alice, _bob = scene
    series = create(room, alice).series
    after_first = local(TUESDAYS[0], 21)
    booking_series_cancel(series=series, actor=alice.user, now=after_first)
    booking_series_cancel(series=series, actor=alice.user, now=after_first)  # again: nothing more
    series.refresh_from_db()
    assert series.cancelled_at == after_first
    statuses = {timezone.localtime(b.start).date(): b.status for b in series.bookings.all()}
    assert statuses == {TUESDAYS[0]: Booking.Status.CONFIRMED, TUESDAYS[3]: Booking.Status.CANCELLED}
    assert state(account_of(alice, "ACH")).held == 600  # the cancelled one, free, released


def test_refused_series_write_nothing(scene):
    room, alice, bob = scene
    with pytest.raises(SeriesTooLong):
        create(room, alice, last_date=TERM["first_date"] + dt.timedelta(weeks=54))
    with pytest.raises(PermissionDenied):
        booking_series_create(resource=room, member=alice, actor=bob.user, now=NOW, **TERM)
    assert not BookingSeries.objects.exists()
    assert not Booking.objects.filter(member=alice).exists()
