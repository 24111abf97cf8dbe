"""Attendance in the occupancy open data: check-ins counted per place and per local day, counts only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from places.selectors.occupancy import DayAttendance, occupancy_for_month
from places.services import booking_cancel, booking_check_in, booking_create
from tests.places.booking_setup import booking_day, funded_member, local, make_manager, make_place, make_resource

pytestmark = pytest.mark.django_db


def test_check_ins_are_counted_per_place_and_local_day_without_names():
    bocal, fablab = make_place("Le Bocal"), make_place("Fablab")
    desks = make_resource(bocal, "Open space", capacity=4)
    laser = make_resource(fablab, "Laser")
    host, fabmanager = make_manager(bocal, "hote"), make_manager(fablab, "fabmanager")
    alice, bob = funded_member("alice"), funded_member("bob")
    day = booking_day(2)
    next_day = day + dt.timedelta(days=1)

    def book(resource, member, on, hour):
        return booking_create(
            resource=resource, member=member, start=local(on, hour), end=local(on, hour + 1), actor=member.user
        )

    # The first check-in is at 07:30 local, the earliest one allowed: still that local day.
    booking_check_in(booking=book(desks, alice, day, 8), actor=host.user, now=local(day, 7, 30))
    booking_check_in(booking=book(desks, bob, day, 10), actor=host.user, now=local(day, 10))
    booking_check_in(booking=book(desks, alice, next_day, 9), actor=host.user, now=local(next_day, 9, 5))
    booking_check_in(booking=book(laser, bob, next_day, 14), actor=fabmanager.user, now=local(next_day, 14))
    book(laser, alice, day, 14)  # booked, never checked in
    booking_cancel(booking=book(desks, bob, next_day, 15), actor=bob.user)

    months = {day.replace(day=1), next_day.replace(day=1)}
    by_place: dict[str, list[DayAttendance]] = {}
    for month in months:
        for line in occupancy_for_month(month).places:
            by_place.setdefault(line.name, []).extend(line.attendance)
    assert by_place == {
        "Le Bocal": [DayAttendance(day, 2), DayAttendance(next_day, 1)],
        "Fablab": [DayAttendance(next_day, 1)],
    }

    body = Client().get(f"/api/places/occupancy/?month={day:%Y-%m}").json()
    bocal_line = next(p for p in body["places"] if p["name"] == "Le Bocal")
    assert bocal_line["attendance"][0] == {"date": day.isoformat(), "check_ins": 2}
    assert body["check_ins"] == sum(p["check_ins"] for p in body["places"])
    text = str(body)
    for personal in ("alice", "bob", alice.display_name, bob.display_name):
        assert personal not in text
