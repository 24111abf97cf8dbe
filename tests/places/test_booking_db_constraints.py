"""The database refuses an overbooking written behind the services' back (raw SQL), on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from places.models import Booking, Resource
from tests.places.booking_setup import booking_day, funded_member, local, make_place, make_resource

pytestmark = pytest.mark.django_db


def raw_insert(
    resource: Resource, member_id: int, start: dt.datetime, end: dt.datetime, seats: int = 1, **extra
) -> None:
    """INSERT a booking row directly, as a script or a psql session could."""
    ops = connection.ops
    columns = {
        "resource_id": resource.pk,
        "member_id": member_id,
        "start": ops.adapt_datetimefield_value(start),
        "end": ops.adapt_datetimefield_value(end),
        "blocks_until": ops.adapt_datetimefield_value(end + dt.timedelta(minutes=extra.pop("buffer", 0))),
        "seats": seats,
        "exclusive": extra.pop("exclusive", False),
        "status": extra.pop("status", "confirmed"),
        "unit": "ACH",
        "price": 0,
        "fee": 0,
        "request_hash": "",
        "cancel_reason": "",
        "created_at": ops.adapt_datetimefield_value(start),
    }
    names = ", ".join(ops.quote_name(name) for name in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO places_booking ({names}) VALUES ({marks})", list(columns.values()))


def refused(call) -> bool:
    try:
        with transaction.atomic():
            call()
    except IntegrityError:
        return True
    return False


@pytest.fixture
def scene():
    place = make_place()
    room = make_resource(place, "Salle du conseil")
    open_space = make_resource(place, "Open space", capacity=3)
    hall = make_resource(place, "Grande salle")
    desk = make_resource(place, "Poste 1", parent=hall)
    member = funded_member("alice")
    return place, room, open_space, hall, desk, member


def test_overlapping_rows_on_a_capacity_one_resource_are_refused(scene):
    _place, room, _open_space, _hall, _desk, member = scene
    day = booking_day()
    raw_insert(room, member.pk, local(day, 10), local(day, 12), exclusive=True)
    assert refused(lambda: raw_insert(room, member.pk, local(day, 11), local(day, 13), exclusive=True))
    # Even a row that does not say it takes the whole resource: the trigger counts its seat.
    assert refused(lambda: raw_insert(room, member.pk, local(day, 9), local(day, 10, 30)))
    assert Booking.objects.filter(resource=room).count() == 1


def test_back_to_back_rows_are_accepted_and_a_buffer_is_kept(scene):
    _place, room, _open_space, _hall, _desk, member = scene
    day = booking_day()
    raw_insert(room, member.pk, local(day, 10), local(day, 12), exclusive=True, buffer=30)
    assert refused(lambda: raw_insert(room, member.pk, local(day, 12), local(day, 13), exclusive=True))
    raw_insert(room, member.pk, local(day, 12, 30), local(day, 13), exclusive=True)
    raw_insert(room, member.pk, local(day, 9), local(day, 10), exclusive=True)
    assert Booking.objects.filter(resource=room).count() == 3


def test_seats_beyond_the_capacity_at_any_instant_are_refused(scene):
    _place, _room, open_space, _hall, _desk, member = scene
    day = booking_day()
    raw_insert(open_space, member.pk, local(day, 9), local(day, 12), seats=2)
    raw_insert(open_space, member.pk, local(day, 11), local(day, 14), seats=1)  # 3 from 11 to 12
    assert refused(lambda: raw_insert(open_space, member.pk, local(day, 11, 30), local(day, 13), seats=1))
    assert refused(lambda: raw_insert(open_space, member.pk, local(day, 8), local(day, 18), seats=1))
    raw_insert(open_space, member.pk, local(day, 12), local(day, 13), seats=1)  # 2 + … the 9–12 ended
    # A cancelled row takes nothing, and making it active again is counted.
    raw_insert(open_space, member.pk, local(day, 11), local(day, 12), seats=3, status="cancelled")
    cancelled = Booking.objects.get(status="cancelled")
    assert refused(lambda: Booking.objects.filter(pk=cancelled.pk).update(status="confirmed"))
    assert refused(lambda: Booking.objects.filter(resource=open_space, seats=1).update(seats=3))
    assert Booking.objects.filter(resource=open_space).exclude(status="cancelled").count() == 3


def test_a_parent_and_its_children_block_each_other(scene):
    _place, _room, _open_space, hall, desk, member = scene
    day = booking_day()
    raw_insert(desk, member.pk, local(day, 10), local(day, 11))
    assert refused(lambda: raw_insert(hall, member.pk, local(day, 9), local(day, 12), exclusive=True))
    raw_insert(hall, member.pk, local(day, 11), local(day, 12), exclusive=True)
    assert refused(lambda: raw_insert(desk, member.pk, local(day, 11, 30), local(day, 13)))
    assert Booking.objects.filter(resource__in=[hall, desk]).count() == 2


def test_a_status_moving_on_is_not_counted_again(scene):
    _place, room, _open_space, _hall, _desk, member = scene
    day = booking_day()
    raw_insert(room, member.pk, local(day, 10), local(day, 12), exclusive=True)
    # The capacity lowered afterwards does not keep an existing booking from being settled.
    Resource.objects.filter(pk=room.pk).update(capacity=1)
    assert Booking.objects.filter(resource=room).update(status="completed") == 1


def test_a_room_booked_whole_refuses_a_second_group_whatever_its_seats(scene):
    """A meeting room for 8 (not shared) booked for 2 people is taken: the database counts each of
    its bookings as the whole room, even a raw row claiming one seat and not exclusive."""
    place, _room, _open_space, _hall, _desk, member = scene
    council = make_resource(place, "Salle pour huit", capacity=8, shared=False)
    day = booking_day()
    raw_insert(council, member.pk, local(day, 10), local(day, 12), seats=2, exclusive=True)
    assert refused(lambda: raw_insert(council, member.pk, local(day, 11), local(day, 13), seats=1))
    raw_insert(council, member.pk, local(day, 12), local(day, 13), seats=6)  # back-to-back is fine
    assert Booking.objects.filter(resource=council).count() == 2
