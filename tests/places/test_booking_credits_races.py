"""Two managers scan the same booking at once: the carnet's day is consumed exactly once."""

from __future__ import annotations

import pytest

from ledger.kinds import HOLD_CAPTURE
from ledger.models import Transaction
from places.models import Booking
from places.services import booking_check_in
from tests.concurrency import race
from tests.conftest import requires_postgresql
from tests.places.booking_setup import (
    AccountState,
    booking_day,
    funded_member,
    local,
    make_manager,
    make_place,
    make_resource,
    state,
)
from tests.places.test_booking_credits import book, carnet

pytestmark = [requires_postgresql(), pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_check_ins_consume_the_carnet_once():
    place = make_place()
    desks = make_resource(place, "Open space", capacity=4, prices={"ACH": 200})
    alice = funded_member("alice")
    managers = [make_manager(place, "gerante"), make_manager(place, "gerant")]
    days = carnet(alice, place, kind="desk")
    day = booking_day(3)
    booking = book(desks, alice, day, start_hour=9, hours=3)
    captures = Transaction.objects.filter(kind=HOLD_CAPTURE).count()

    def scan(manager):
        return lambda: booking_check_in(booking=booking, actor=manager.user, now=local(day, 9))

    results = race([scan(manager) for manager in managers])

    assert all(isinstance(r, Booking) and r.status == Booking.Status.CHECKED_IN for r in results)
    assert state(days) == AccountState(balance=900, held=0)
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == captures + 1
