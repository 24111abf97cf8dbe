"""Members racing for the same seats, on real PostgreSQL connections with real commits: they get
exactly the seats that exist, whether they book through the service or write rows behind its back."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import IntegrityError, transaction

from ledger.models import Hold
from members.models import Member
from places.errors import SlotUnavailable
from places.models import Booking, Resource
from places.services import booking_create
from tests.concurrency import race
from tests.conftest import requires_postgresql
from tests.places.booking_setup import booking_day, funded_member, local, make_place, make_resource
from tests.places.test_booking_db_constraints import raw_insert

pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]

RACERS = 50
MEMBERS = 10  # each books five times at once: fifty requests, fewer members to set up


@pytest.fixture
def racers() -> list[Member]:
    members = [funded_member(f"coureur{i:02d}", ach="50.00") for i in range(MEMBERS)]
    return [members[i % MEMBERS] for i in range(RACERS)]


def booking_call(resource: Resource, member: Member, start_hour: int, end_hour: int, seats: int = 1):
    day = booking_day(2)
    return lambda: booking_create(
        resource=resource,
        member=member,
        start=local(day, start_hour),
        end=local(day, end_hour),
        seats=seats,
        actor=member.user,
    )


def outcomes(results: list) -> Counter:
    return Counter("booked" if isinstance(r, Booking) else r.code for r in results)


def active(resource: Resource) -> list[Booking]:
    return list(Booking.objects.filter(resource=resource).exclude(status="cancelled").order_by("start"))


def test_fifty_requests_racing_for_a_room_get_exactly_one_booking(racers):
    room = make_resource(make_place(), "Salle du conseil")
    results = race([booking_call(room, member, 10, 12) for member in racers])
    assert outcomes(results) == {"booked": 1, "slot_unavailable": RACERS - 1}
    assert len(active(room)) == 1
    assert Hold.objects.filter(status=Hold.Status.PENDING).count() == 1
    assert sum(Hold.objects.values_list("amount", flat=True)) == 600


def test_fifty_requests_racing_for_an_open_space_of_six_get_six_seats(racers):
    open_space = make_resource(make_place(), "Open space", capacity=6, prices={"ACH": 150})
    results = race([booking_call(open_space, member, 9, 12) for member in racers])
    assert outcomes(results) == {"booked": 6, "slot_unavailable": RACERS - 6}
    assert sum(b.seats for b in active(open_space)) == 6
    assert Hold.objects.count() == 6


def test_overlapping_and_back_to_back_bookings_racing(racers):
    room = make_resource(make_place(), "Salle du conseil")
    slots = [(10, 11), (11, 12), (10, 12)]  # two back to back, and one over both
    results = race([booking_call(room, member, *slots[i % 3]) for i, member in enumerate(racers)])
    taken = sorted((b.start, b.end) for b in active(room))
    day = booking_day(2)
    assert taken in (
        [(local(day, 10), local(day, 11)), (local(day, 11), local(day, 12))],
        [(local(day, 10), local(day, 12))],
    )
    assert outcomes(results)["booked"] == len(taken)


def test_a_parent_and_its_children_racing(racers):
    place = make_place()
    hall = make_resource(place, "Grande salle")
    desks = [make_resource(place, f"Poste {n}", parent=hall) for n in range(3)]
    calls = [booking_call(hall if i % 4 == 0 else desks[i % 3], member, 14, 16) for i, member in enumerate(racers)]
    results = race(calls)
    on_hall, on_desks = active(hall), [b for desk in desks for b in active(desk)]
    assert (len(on_hall), len(on_desks)) in ((1, 0), (0, 1), (0, 2), (0, 3))
    assert all(len(active(desk)) <= 1 for desk in desks)
    assert outcomes(results)["booked"] == len(on_hall) + len(on_desks)


def test_raw_rows_racing_past_the_service_are_refused_by_the_database(racers):
    open_space = make_resource(make_place(), "Open space", capacity=6)
    day = booking_day(2)

    def insert(member: Member):
        def call():
            try:
                with transaction.atomic():
                    raw_insert(open_space, member.pk, local(day, 9), local(day, 12))
            except IntegrityError:
                return SlotUnavailable()
            return "inserted"

        return call

    results = race([insert(member) for member in racers[:30]])
    assert Counter(r if isinstance(r, str) else r.code for r in results) == {
        "inserted": 6,
        "slot_unavailable": 24,
    }
    assert len(active(open_space)) == 6
