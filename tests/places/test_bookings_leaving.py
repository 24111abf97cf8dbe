"""A member with bookings to come cannot leave (bookings_upcoming); their bookings are in their
personal data export, and stay (the place's books) when they leave."""

from __future__ import annotations

import pytest

from members.personal_data import sections
from places.models import Booking, MemberQualification, PlaceManager, Qualification
from places.services import booking_cancel, booking_create, qualification_grant
from tests.factories import staff
from tests.membership.test_leaving_obstacles import codes, refused_with
from tests.places.booking_setup import booking_day, funded_member, local, make_place, make_resource

pytestmark = pytest.mark.django_db


def test_a_booking_to_come_keeps_the_member_from_leaving_until_cancelled():
    place = make_place()
    garden = make_resource(place, "Jardin", capacity=10, prices={})
    room = make_resource(place, "Salle")
    alice = funded_member("alice", ach="0")
    day = booking_day(3)
    free = booking_create(resource=garden, member=alice, start=local(day, 10), end=local(day, 11), actor=alice.user)
    refused_with(alice, "bookings_upcoming")  # nothing changed: the booking stays
    assert Booking.objects.get(pk=free.pk).status == Booking.Status.CONFIRMED
    booking_cancel(booking=free, actor=alice.user)
    assert codes(alice) == []
    bob = funded_member("bob")
    booking_create(resource=room, member=bob, start=local(day, 10), end=local(day, 11), actor=bob.user)
    assert "bookings_upcoming" in codes(bob)
    assert "holds_pending" in codes(bob)


def test_the_export_holds_the_bookings_and_leaving_keeps_them_without_the_reason():
    place = make_place()
    room = make_resource(place, "Salle", prices={})
    alice = funded_member("alice", ach="0")
    day = booking_day(3)
    booking = booking_create(resource=room, member=alice, start=local(day, 10), end=local(day, 11), actor=alice.user)
    booking_cancel(booking=booking, actor=staff("regisseur"), reason="Travaux chez Alice")
    qualification_grant(
        qualification=Qualification.objects.create(place=place, name="Laser"), member=alice, actor=staff("regisseur")
    )
    PlaceManager.objects.create(place=place, member=alice)
    by_key = {section.key: section for section in sections()}
    rows = list(by_key["places/bookings"].records(alice))
    assert [(row["id"], row["status"], row["price"], row["unit"]) for row in rows] == [
        (booking.pk, "cancelled", by_key["places/bookings"].computed(booking)["price"], "ACH")  # type: ignore[misc]
    ]
    for key in ("places/bookings", "places/qualifications", "places/managed_places"):
        assert by_key[key].erase is not None
        by_key[key].erase(alice)
    booking.refresh_from_db()
    assert (booking.member_id, booking.cancel_reason, booking.status) == (alice.pk, "", Booking.Status.CANCELLED)
    assert not MemberQualification.objects.filter(member=alice).exists()
    assert not PlaceManager.objects.filter(member=alice).exists()
