"""Availability computed from openings, closures, bookings and buffers: seats, buffers, families."""

from __future__ import annotations

import datetime as dt

from places.availability import free_intervals, seats_free_for
from places.models import Booking, OpeningException, OpeningRule
from tests.places.conftest import local

# Thursday 2027-01-14: Le Bocal open 09:00–18:00, the fablab 10:00–19:00.
DAY = (local(2027, 1, 14), local(2027, 1, 15))


def free(resource):
    return [(f.start, f.end, f.seats) for f in free_intervals(resource, *DAY)]


def at(hour: int, minute: int = 0) -> dt.datetime:
    return local(2027, 1, 14, hour, minute)


def test_partial_seats_of_an_open_space_leave_the_rest_free(network, make_booking):
    make_booking(network.open_space, at(10), at(12), seats=2)
    make_booking(network.open_space, at(11), at(14), seats=4)
    assert free(network.open_space) == [
        (at(9), at(10), 6),
        (at(10), at(11), 4),
        # 11:00–12:00: 2 + 4 = 6 of 6 taken, nothing free
        (at(12), at(14), 2),
        (at(14), at(18), 6),
    ]
    assert seats_free_for(network.open_space, at(9), at(11)) == 4
    assert seats_free_for(network.open_space, at(11), at(12)) == 0
    assert seats_free_for(network.open_space, at(12), at(15)) == 2


def test_back_to_back_bookings_leave_no_gap_and_take_nothing_more(network, make_booking):
    make_booking(network.workshop, at(10), at(12))
    make_booking(network.workshop, at(12), at(14))
    assert free(network.workshop) == [(at(14), at(19), 1)]
    assert seats_free_for(network.workshop, at(14), at(15)) == 1
    assert seats_free_for(network.workshop, at(13), at(15)) == 0


def test_a_buffer_keeps_time_free_after_each_booking_and_before_the_next(network, make_booking):
    room = network.meeting_room  # 15 min after each booking
    make_booking(room, at(10), at(11))
    assert free(room) == [(at(9), at(9, 45), 8), (at(11, 15), at(18), 8)]  # booked whole: all 8 or none
    # A booking ending at 09:45 keeps its buffer clear before 10:00; one ending at 09:50 does not.
    assert seats_free_for(room, at(9), at(9, 45)) == 8
    assert seats_free_for(room, at(9), at(9, 50)) == 0
    assert seats_free_for(room, at(11, 15), at(12)) == 8
    assert seats_free_for(room, at(11, 10), at(12)) == 0
    # The booking itself can be moved (its own row is left out).
    booking = Booking.objects.get(resource=room)
    assert seats_free_for(room, at(10, 30), at(11, 30), exclude_booking=booking.pk) == 8


def test_booking_the_whole_workshop_blocks_the_laser_and_the_reverse(network, make_booking):
    make_booking(network.workshop, at(10), at(12))
    make_booking(network.laser, at(15), at(16))
    assert free(network.laser) == [(at(12), at(15), 1), (at(16), at(19), 1)]
    assert free(network.workshop) == [(at(12), at(15), 1), (at(16), at(19), 1)]
    assert seats_free_for(network.laser, at(11), at(13)) == 0
    assert seats_free_for(network.workshop, at(14), at(16)) == 0


def test_a_desk_booked_takes_the_whole_of_its_parent_room(network, make_booking):
    # The open space's desks as children of a room one may book whole: one desk booked, the room is taken.
    network.open_space.parent = network.meeting_room
    network.open_space.save(update_fields=["parent"])
    make_booking(network.open_space, at(10), at(11), seats=1)
    # The room's own buffer keeps 09:45–10:00 free before the desk; the desk has none after it.
    assert free(network.meeting_room) == [(at(9), at(9, 45), 8), (at(11), at(18), 8)]
    assert seats_free_for(network.meeting_room, at(10), at(11)) == 0
    # The room booked takes every desk, whatever their capacity.
    make_booking(network.meeting_room, at(14), at(15))
    assert seats_free_for(network.open_space, at(14), at(15)) == 0
    assert seats_free_for(network.open_space, at(10), at(11)) == 5


def test_cancelled_bookings_free_their_seats_and_no_shows_keep_them(network, make_booking):
    make_booking(network.open_space, at(10), at(12), seats=6, status=Booking.Status.CANCELLED)
    make_booking(network.open_space, at(14), at(15), seats=6, status=Booking.Status.NO_SHOW)
    assert free(network.open_space) == [(at(9), at(14), 6), (at(15), at(18), 6)]


def test_closures_of_the_place_or_of_one_resource_remove_their_time(network):
    OpeningException.objects.create(
        place=network.fablab, date=dt.date(2027, 1, 14), kind="closure", opens=dt.time(12), closes=dt.time(14)
    )
    OpeningException.objects.create(
        place=network.fablab,
        resource=network.laser,
        date=dt.date(2027, 1, 14),
        kind="closure",
        opens=dt.time(17),
        closes=dt.time(19),
    )
    assert free(network.workshop) == [(at(10), at(12), 1), (at(14), at(19), 1)]
    assert free(network.laser) == [(at(10), at(12), 1), (at(14), at(17), 1)]


def test_an_inactive_resource_has_no_free_time(network):
    network.meeting_room.active = False
    assert free_intervals(network.meeting_room, *DAY) == []


def test_a_booking_on_the_night_the_clocks_go_back_counts_its_real_hours(network, make_booking):
    # Sunday 2026-10-25, clocks go back at 03:00: the café opens 00:00–07:00 wall time that night, 8 real hours.
    OpeningRule.objects.create(place=network.hidden, weekday=6, opens=dt.time(0), closes=dt.time(7))
    start, end = local(2026, 10, 25, 1), local(2026, 10, 25, 4)  # 01:00+02:00 to 04:00+01:00
    make_booking(network.hidden_room, start, end)
    night = free_intervals(network.hidden_room, local(2026, 10, 25), local(2026, 10, 25, 8))
    assert [(f.start, f.end) for f in night] == [
        (dt.datetime(2026, 10, 24, 22, tzinfo=dt.UTC), dt.datetime(2026, 10, 24, 23, tzinfo=dt.UTC)),
        (dt.datetime(2026, 10, 25, 3, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 6, tzinfo=dt.UTC)),
    ]
    # Four real hours (what the ledger charges by), three on the wall clock (what Python subtracts in one zone).
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=4)
    assert end - start == dt.timedelta(hours=3)


def test_a_booking_on_the_night_the_clocks_go_forward_counts_its_real_hours(network, make_booking):
    # Sunday 2026-03-29, clocks go forward at 02:00: 00:00–07:00 wall time is 6 real hours.
    OpeningRule.objects.create(place=network.hidden, weekday=6, opens=dt.time(0), closes=dt.time(7))
    night = free_intervals(network.hidden_room, local(2026, 3, 29), local(2026, 3, 29, 8))
    assert [(f.start, f.end, f.seats) for f in night] == [
        (dt.datetime(2026, 3, 28, 23, tzinfo=dt.UTC), dt.datetime(2026, 3, 29, 5, tzinfo=dt.UTC), 1)
    ]
