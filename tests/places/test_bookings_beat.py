"""The beat settles the bookings through a registered task, every few minutes."""

from __future__ import annotations

import pytest
from django.conf import settings

from config.celery import app as celery_app
from places.models import Booking
from places.services import booking_create
from places.tasks import bookings_settle
from tests.places.booking_setup import booking_day, funded_member, local, make_place, make_resource


def test_the_beat_runs_the_settle_task_every_ten_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["places-bookings-settle"]
    assert entry == {"task": "places.tasks.bookings_settle", "schedule": 600.0}
    assert bookings_settle.name == entry["task"]
    assert entry["task"] in celery_app.tasks
    assert settings.BOCAGE_PLACES_SETTLE_GRACE_MINUTES == 60
    assert settings.BOCAGE_PLACES_HOLD_MARGIN_HOURS * 60 > settings.BOCAGE_PLACES_SETTLE_GRACE_MINUTES


@pytest.mark.django_db
def test_the_task_settles_nothing_before_the_end_and_is_safe_to_run_again():
    room = make_resource(make_place(), "Salle")
    alice = funded_member("alice")
    day = booking_day(2)
    booking_create(resource=room, member=alice, start=local(day, 10), end=local(day, 11), actor=alice.user)
    assert bookings_settle.apply().get() == 0
    assert bookings_settle.apply().get() == 0
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
