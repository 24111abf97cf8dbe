"""The rules a booking is checked against, at the service: trainings recorded by the place's
managers, the night clocks change, members-only resources, and who may act on a booking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import PermissionDenied
from members.models import Member
from places.errors import BookingNotFound, MembershipExpired, QualificationRequired
from places.models import Booking, MemberQualification, Qualification
from places.services import (
    booking_cancel,
    booking_check_in,
    booking_create,
    qualification_grant,
    qualification_revoke,
)
from tests.factories import staff
from tests.places.booking_setup import booking_day, funded_member, local, make_manager, make_place, make_resource

pytestmark = pytest.mark.django_db


def test_a_machine_is_booked_once_a_manager_of_its_place_recorded_the_training():
    fablab, other = make_place("Fablab"), make_place("Café")
    training = Qualification.objects.create(place=fablab, name="Découpe laser")
    laser = make_resource(fablab, "Découpe laser", qualification=training)
    alice = funded_member("alice")
    day = booking_day(2)

    def book(hour):
        return booking_create(
            resource=laser, member=alice, start=local(day, hour), end=local(day, hour + 1), actor=alice.user
        )

    with pytest.raises(QualificationRequired):
        book(10)
    with pytest.raises(PermissionDenied):
        qualification_grant(qualification=training, member=alice, actor=make_manager(other, "cafetier").user)
    with pytest.raises(PermissionDenied):
        qualification_grant(qualification=training, member=alice, actor=alice.user)
    assert not MemberQualification.objects.exists()
    manager = make_manager(fablab, "fabmanager")
    qualification_grant(qualification=training, member=alice, actor=manager.user)
    qualification_grant(qualification=training, member=alice, actor=manager.user)  # again: nothing more
    assert book(10).status == Booking.Status.CONFIRMED
    qualification_revoke(qualification=training, member=alice, actor=staff("regisseur"))
    with pytest.raises(QualificationRequired):
        book(14)
    qualification_grant(qualification=training, member=alice, actor=manager.user)
    assert book(14).status == Booking.Status.CONFIRMED


def test_members_only_resources_need_a_membership_valid_on_the_day_booked():
    place = make_place()
    room = make_resource(place, "Salle", prices={})
    garden = make_resource(place, "Jardin", prices={}, members_only=False)
    alice = funded_member("alice", ach="0")
    Member.objects.filter(pk=alice.pk).update(membership_expires_on=booking_day(0) - dt.timedelta(days=1))
    alice.refresh_from_db()
    day = booking_day(2)
    with pytest.raises(MembershipExpired):
        booking_create(resource=room, member=alice, start=local(day, 10), end=local(day, 11), actor=alice.user)
    booked = booking_create(resource=garden, member=alice, start=local(day, 10), end=local(day, 11), actor=alice.user)
    assert booked.status == Booking.Status.CONFIRMED


@pytest.mark.parametrize(
    ("change_day", "offsets"),
    [(dt.date(2027, 3, 28), ("+01:00", "+02:00")), (dt.date(2027, 10, 31), ("+02:00", "+01:00"))],
)
def test_the_same_wall_clock_slots_on_both_sides_of_a_daylight_saving_change(change_day, offsets):
    place = make_place()
    room = make_resource(place, "Salle", prices={}, members_only=False, horizon_days=400)
    alice = funded_member("alice", ach="0")
    friday, monday = change_day - dt.timedelta(days=2), change_day + dt.timedelta(days=1)
    now = local(friday, 0) - dt.timedelta(days=7)
    made = [
        booking_create(resource=room, member=alice, start=local(day, 9), end=local(day, 11), actor=alice.user, now=now)
        for day in (friday, change_day, monday)
    ]
    starts = [timezone.localtime(b.start) for b in made]
    assert [(s.hour, s.minute) for s in starts] == [(9, 0)] * 3
    assert (starts[0].isoformat()[-6:], starts[2].isoformat()[-6:]) == offsets
    assert made[2].start - made[0].start == dt.timedelta(days=3) + (
        dt.timedelta(hours=-1) if offsets[1] == "+02:00" else dt.timedelta(hours=1)
    )


def test_only_the_member_a_manager_of_the_place_or_staff_act_on_a_booking():
    place, other = make_place(), make_place("Café")
    room = make_resource(place, "Salle")
    alice, bob = funded_member("alice"), funded_member("bob")
    day = booking_day(2)
    booking = booking_create(resource=room, member=alice, start=local(day, 10), end=local(day, 11), actor=alice.user)
    with pytest.raises(PermissionDenied):
        booking_create(resource=room, member=alice, start=local(day, 14), end=local(day, 15), actor=bob.user)
    for actor in (bob.user, make_manager(other, "cafetier").user, None):
        with pytest.raises(BookingNotFound):
            booking_cancel(booking=booking, actor=actor)
        with pytest.raises(BookingNotFound):
            booking_check_in(booking=booking, actor=actor, now=local(day, 10))
    with pytest.raises(PermissionDenied):
        booking_check_in(booking=booking, actor=alice.user, now=local(day, 10))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking_check_in(booking=booking, actor=staff("regisseur"), now=local(day, 10)).status == "checked_in"
