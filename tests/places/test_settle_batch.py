"""The beat settles ended bookings in chunks: one transaction and one batch of hold captures per
chunk (money and credits), each hold captured once, a rerun writing nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.kinds import HOLD_CAPTURE
from ledger.models import Hold, Transaction
from places.models import Booking
from places.selectors.credits import credit_issuer
from places.services import booking_check_in, booking_create, booking_mark_no_show, bookings_settle_due
from places.services.settlement import bookings_settle_chunk
from tests.factories import account_of
from tests.places.booking_setup import (
    AccountState,
    booking_day,
    funded_member,
    local,
    make_manager,
    make_place,
    make_resource,
    place_state,
    state,
)
from tests.places.test_booking_credits import carnet

pytestmark = pytest.mark.django_db
S = Booking.Status


def book(resource, member, day, start_hour, hours):
    return booking_create(
        resource=resource,
        member=member,
        start=local(day, start_hour),
        end=local(day, start_hour + hours),
        actor=member.user,
    )


def test_ended_bookings_paid_in_money_and_credits_are_settled_in_chunks_each_hold_captured_once():
    place = make_place()
    room = make_resource(place, "Salle du conseil")  # 3 ACH an hour, 50 % kept for a no-show
    desks = make_resource(place, "Open space", capacity=6)
    manager = make_manager(place, "manon")
    alice, bruno, camille, dana, erwan = (
        funded_member(name) for name in ("alice", "bruno", "camille", "dana", "erwan")
    )
    days = carnet(camille, place, kind="desk")
    day = booking_day(3)
    paid = [book(room, alice, day, 10, 2), book(room, bruno, day, 13, 2)]
    in_credits = book(desks, camille, day, 9, 3)
    no_show = book(room, dana, day, 16, 2)
    checked_in = book(desks, erwan, day, 9, 3)
    assert [b.price for b in (*paid, in_credits, no_show, checked_in)] == [600, 600, 0, 600, 900]
    assert state(days) == AccountState(balance=1000, held=100)
    booking_check_in(booking=checked_in, actor=manager.user, now=local(day, 9, 5))
    booking_mark_no_show(booking=no_show, actor=manager.user, now=local(day, 16, 30))
    captures = Transaction.objects.filter(kind_id=HOLD_CAPTURE)
    assert captures.count() == 2  # the check-in and the no-show's fee

    # Ended and past the grace: four to settle (the no-show is settled already), in chunks of two.
    assert bookings_settle_due(now=local(day, 20), grace_minutes=60, chunk_size=2) == 4

    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert [statuses[b.pk] for b in (*paid, in_credits, no_show, checked_in)] == [
        S.COMPLETED,
        S.COMPLETED,
        S.COMPLETED,
        S.NO_SHOW,
        S.COMPLETED,
    ]
    assert all(b.settled_at is not None for b in Booking.objects.all())
    assert [state(account_of(m, "ACH")) for m in (alice, bruno, camille, dana, erwan)] == [
        AccountState(9400, 0),
        AccountState(9400, 0),
        AccountState(10000, 0),
        AccountState(9700, 0),
        AccountState(9100, 0),
    ]
    assert place_state(place) == AccountState(600 + 600 + 300 + 900, 0)
    assert state(days) == AccountState(balance=900, held=0)
    assert credit_issuer(place, "CRJ").balance == -1000 + 100
    assert captures.count() == 2 + 3  # alice's, bruno's and camille's day, once each
    assert set(Hold.objects.values_list("status", flat=True)) == {Hold.Status.CAPTURED}

    # A rerun, or a chunk run again by a second worker, writes nothing.
    written = (Transaction.objects.count(), list(Booking.objects.order_by("pk").values_list("status", "settled_at")))
    assert bookings_settle_due(now=local(day, 21), grace_minutes=60, chunk_size=2) == 0
    assert bookings_settle_chunk([b.pk for b in Booking.objects.all()], now=local(day, 21), grace_minutes=60) == []
    assert (Transaction.objects.count(), list(Booking.objects.order_by("pk").values_list("status", "settled_at"))) == (
        written
    )


def test_a_chunk_reads_the_same_number_of_queries_for_two_bookings_or_six():
    place = make_place()
    desks = make_resource(place, "Open space", capacity=6)
    members = [funded_member(f"m{i}") for i in range(8)]
    day = booking_day(3)
    two = [book(desks, member, day, 9, 2).pk for member in members[:2]]
    six = [book(desks, member, day, 12, 2).pk for member in members[2:]]
    counted = []
    for ids in (two, six):
        with CaptureQueriesContext(connection) as queries:
            assert len(bookings_settle_chunk(ids, now=local(day, 20), grace_minutes=60)) == len(ids)
        counted.append(len(queries))
    assert counted[0] == counted[1]
    assert place_state(place) == AccountState(8 * 600, 0)
