"""The network-wide search: free resources for `seats` within an afternoon, in a constant number of queries."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from places.models import Booking, ResourceKind
from places.selectors.search import free_resources
from tests.places.conftest import local

# Thursday 2027-01-14: Le Bocal is open 09:00–18:00, the fablab 10:00–19:00.
AFTERNOON = (local(2027, 1, 14, 14), local(2027, 1, 14, 18))


def _by_name(found):
    return {item.resource.name: [(f.start, f.end, f.seats) for f in item.free] for item in found}


def test_an_empty_network_afternoon_lists_every_public_resource_that_is_open(network):
    found = _by_name(free_resources(*AFTERNOON))
    assert found == {
        "Atelier": [(local(2027, 1, 14, 14), local(2027, 1, 14, 18), 1)],
        "Découpeuse laser": [(local(2027, 1, 14, 14), local(2027, 1, 14, 18), 1)],
        "Open space": [(local(2027, 1, 14, 14), local(2027, 1, 14, 18), 6)],
        "Salle de réunion": [(local(2027, 1, 14, 14), local(2027, 1, 14, 18), 8)],
    }


def test_seats_keep_only_resources_with_that_capacity_free(network, make_booking):
    make_booking(network.open_space, local(2027, 1, 14, 15), local(2027, 1, 14, 16), seats=3)
    found = _by_name(free_resources(*AFTERNOON, seats=4))
    # 3 of 6 desks are taken 15:00–16:00: 4 seats fit before and after, each run long enough; the
    # meeting room, booked whole, holds 8 people all afternoon; the laser cutter holds 1.
    assert found == {
        "Open space": [
            (local(2027, 1, 14, 14), local(2027, 1, 14, 15), 6),
            (local(2027, 1, 14, 16), local(2027, 1, 14, 18), 6),
        ],
        "Salle de réunion": [(local(2027, 1, 14, 14), local(2027, 1, 14, 18), 8)],
    }


def test_adjacent_intervals_with_enough_seats_join_into_one_run(network, make_booking):
    make_booking(network.open_space, local(2027, 1, 14, 15), local(2027, 1, 14, 16), seats=2)
    found = _by_name(free_resources(*AFTERNOON, seats=3, kind=ResourceKind.DESK))
    assert found == {"Open space": [(local(2027, 1, 14, 14), local(2027, 1, 14, 18), 4)]}


def test_a_gap_shorter_than_the_minimum_or_off_the_step_grid_is_left_out(network, make_booking):
    room = network.meeting_room  # step 30, min 60, buffer 15
    make_booking(room, local(2027, 1, 14, 14), local(2027, 1, 14, 15))
    make_booking(room, local(2027, 1, 14, 16), local(2027, 1, 14, 18))
    found = _by_name(free_resources(*AFTERNOON, kind=ResourceKind.MEETING_ROOM))
    # Free 15:15–15:45 (the buffer after the first, the buffer before the second): 30 min < 60.
    assert found == {}


def test_filters_by_commune_and_place_and_never_list_a_place_not_public(network):
    found = free_resources(local(2027, 1, 14, 8), local(2027, 1, 14, 20), commune=network.fablab.commune)
    assert {item.resource.name for item in found} == {"Atelier", "Découpeuse laser"}
    found = free_resources(*AFTERNOON, place=network.coworking)
    assert {item.resource.name for item in found} == {"Open space", "Salle de réunion"}
    found = free_resources(*AFTERNOON, place=network.hidden)
    assert found == []


def test_booking_the_whole_workshop_takes_the_laser_and_the_reverse(network, make_booking):
    make_booking(network.workshop, local(2027, 1, 14, 14), local(2027, 1, 14, 16))
    make_booking(network.laser, local(2027, 1, 14, 17), local(2027, 1, 14, 18))
    found = _by_name(free_resources(*AFTERNOON, place=network.fablab))
    assert found == {
        "Atelier": [(local(2027, 1, 14, 16), local(2027, 1, 14, 17), 1)],
        "Découpeuse laser": [(local(2027, 1, 14, 16), local(2027, 1, 14, 17), 1)],
    }


def test_cancelled_bookings_free_their_time(network, make_booking):
    make_booking(network.meeting_room, local(2027, 1, 14, 14), local(2027, 1, 14, 18), status=Booking.Status.CANCELLED)
    found = _by_name(free_resources(*AFTERNOON, kind=ResourceKind.MEETING_ROOM))
    assert found == {"Salle de réunion": [(local(2027, 1, 14, 14), local(2027, 1, 14, 18), 8)]}


def test_the_search_reads_a_constant_number_of_queries(network, make_booking):
    for hour in (14, 15, 16):
        make_booking(network.open_space, local(2027, 1, 14, hour), local(2027, 1, 14, hour + 1))
    with CaptureQueriesContext(connection) as few:
        free_resources(*AFTERNOON)
    for hour in (9, 10, 11):
        make_booking(network.laser, local(2027, 1, 15, hour + 2), local(2027, 1, 15, hour + 3))
        # Two hours apart: the room's 15-minute buffer after each (the database refuses less).
        make_booking(network.meeting_room, local(2027, 1, 15, 2 * hour - 9), local(2027, 1, 15, 2 * hour - 8))
    with CaptureQueriesContext(connection) as more:
        found = free_resources(local(2027, 1, 11), local(2027, 1, 18))
    assert len(found) == 4
    assert len(more.captured_queries) == len(few.captured_queries) <= 6


def test_a_search_across_the_change_of_time_keeps_the_wall_clock_openings(network):
    # Clocks go back on Sunday 2027-10-31: the fablab opens at 10:00 on both Saturdays around it.
    found = _by_name(free_resources(local(2027, 10, 30), local(2027, 11, 7), place=network.fablab, kind="room"))
    saturday_dates = (dt.date(2027, 10, 30), dt.date(2027, 11, 6))
    saturdays = [interval for interval in found["Atelier"] if interval[0].date() in saturday_dates]
    assert [(start.hour, end.hour) for start, end, _seats in saturdays] == [(8, 17), (9, 18)]  # UTC
    assert saturdays[0][0] == local(2027, 10, 30, 10) and saturdays[1][0] == local(2027, 11, 6, 10)
