"""Bookings and money: exact balances and holds of the member and the place at each step; the
beat captures once, even run twice or after a worker died mid-capture; refusals write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from core.models import AuditEvent, Notification
from ledger.kinds import HOLD_CAPTURE
from ledger.models import Hold, Transaction
from ledger.services import hold_capture
from places.errors import BookingNotCancellable, CheckInNotAllowed, InvalidDuration, SlotUnavailable
from places.locks import booking_lock
from places.models import Booking
from places.selectors.bookings import cancellation_fee
from places.services import (
    booking_cancel,
    booking_check_in,
    booking_create,
    booking_mark_no_show,
    booking_settle,
    bookings_settle_due,
)
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

pytestmark = pytest.mark.django_db
S = Booking.Status


@pytest.fixture
def scene():
    place = make_place()
    # 3 ACH an hour, free cancellation until 24 h before, 50 % kept after.
    room = make_resource(place, "Salle du conseil")
    alice = funded_member("alice")
    manager = make_manager(place, "gerante")
    return place, room, alice, manager


def book(room, member, day, start_hour=10, hours=2, **extra):
    return booking_create(
        resource=room,
        member=member,
        start=local(day, start_hour),
        end=local(day, start_hour + hours),
        actor=member.user,
        **extra,
    )


def captures() -> int:
    return Transaction.objects.filter(kind=HOLD_CAPTURE).count()


def test_booking_holds_the_price_and_a_timely_cancel_releases_it(scene):
    place, room, alice, _manager = scene
    day = booking_day(3)
    booking = book(room, alice, day)
    assert (booking.status, booking.price, booking.unit, booking.fee) == (S.CONFIRMED, 600, "ACH", 0)
    assert state(account_of(alice, "ACH")) == AccountState(balance=10000, held=600)
    assert state(account_of(alice, "ACH")).available == 9400
    assert place_state(place) == AccountState(balance=0, held=0)
    assert booking.hold.expires_at == local(day, 12) + dt.timedelta(hours=72)
    assert AuditEvent.objects.filter(action="booking_create", object_id=str(booking.pk)).count() == 1
    assert cancellation_fee(booking) == 0

    cancelled = booking_cancel(booking=booking, actor=alice.user, reason="Changement de programme")
    assert (cancelled.status, cancelled.fee) == (S.CANCELLED, 0)
    assert (state(account_of(alice, "ACH")).balance, state(account_of(alice, "ACH")).held) == (10000, 0)
    assert place_state(place).balance == 0
    assert Hold.objects.get(pk=booking.hold_id).status == Hold.Status.VOIDED
    # Again: unchanged, nothing more written.
    assert booking_cancel(booking=booking, actor=alice.user).status == S.CANCELLED
    assert AuditEvent.objects.filter(action="booking_cancel").count() == 1
    assert captures() == 0


def test_a_late_cancel_keeps_the_fee_and_releases_the_rest(scene):
    place, room, alice, _manager = scene
    day = booking_day(1)
    booking = book(room, alice, day, hours=3)  # 9 ACH
    late = local(day, 10) - dt.timedelta(hours=2)
    assert cancellation_fee(booking, now=late) == 450
    assert cancellation_fee(booking, now=local(day, 10) - dt.timedelta(hours=25)) == 0
    cancelled = booking_cancel(booking=booking, actor=alice.user, now=late)
    assert (cancelled.status, cancelled.fee) == (S.CANCELLED, 450)
    assert (state(account_of(alice, "ACH")).balance, state(account_of(alice, "ACH")).held) == (10000 - 450, 0)
    assert place_state(place).balance == 450
    assert captures() == 1
    assert Hold.objects.get(pk=booking.hold_id).captured_amount == 450


def test_the_late_fee_is_rounded_down_to_the_minor_unit(scene):
    place, room, alice, _manager = scene
    room.late_cancel_fee_percent = 33
    room.save()
    day = booking_day(1)
    booking = book(room, alice, day, hours=1)  # 300 × 33 % = 99
    assert booking_cancel(booking=booking, actor=alice.user, now=local(day, 9)).fee == 99
    assert place_state(place).balance == 99


def test_the_member_cannot_cancel_after_the_start(scene):
    _place, room, alice, _manager = scene
    day = booking_day(1)
    booking = book(room, alice, day)
    with pytest.raises(BookingNotCancellable):
        booking_cancel(booking=booking, actor=alice.user, now=local(day, 10))
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert state(account_of(alice, "ACH")).held == 600


def test_a_manager_cancels_for_free_and_the_member_is_told(scene):
    place, room, alice, manager = scene
    day = booking_day(1)
    booking = book(room, alice, day)
    cancelled = booking_cancel(booking=booking, actor=manager.user, reason="Dégât des eaux", now=local(day, 9, 30))
    assert (cancelled.status, cancelled.fee, cancelled.cancel_reason) == (S.CANCELLED, 0, "Dégât des eaux")
    assert (state(account_of(alice, "ACH")).balance, state(account_of(alice, "ACH")).held) == (10000, 0)
    assert place_state(place).balance == 0
    told = Notification.objects.get(recipient=alice.user, kind="booking_cancelled_by_place")
    assert told.params["reason"] == "Dégât des eaux"


def test_no_show_keeps_the_late_fee(scene):
    place, room, alice, manager = scene
    day = booking_day(1)
    booking = book(room, alice, day)
    with pytest.raises(Exception) as refused:
        booking_mark_no_show(booking=booking, actor=manager.user, now=local(day, 9))
    assert refused.value.code == "no_show_not_allowed"  # type: ignore[attr-defined]
    marked = booking_mark_no_show(booking=booking, actor=manager.user, now=local(day, 10, 20))
    assert (marked.status, marked.fee) == (S.NO_SHOW, 300)
    assert (state(account_of(alice, "ACH")).balance, state(account_of(alice, "ACH")).held) == (9700, 0)
    assert place_state(place).balance == 300
    assert booking_mark_no_show(booking=booking, actor=manager.user, now=local(day, 10, 30)).fee == 300
    assert captures() == 1
    # The beat leaves it alone.
    assert bookings_settle_due(now=local(day, 20)) == 0


def test_check_in_captures_in_full_once_and_the_beat_completes_it(scene):
    place, room, alice, manager = scene
    day = booking_day(1)
    booking = book(room, alice, day)
    with pytest.raises(CheckInNotAllowed):
        booking_check_in(booking=booking, actor=manager.user, now=local(day, 9, 29))
    checked = booking_check_in(booking=booking, actor=manager.user, now=local(day, 9, 45))
    assert checked.status == S.CHECKED_IN
    assert (state(account_of(alice, "ACH")).balance, state(account_of(alice, "ACH")).held) == (9400, 0)
    assert place_state(place).balance == 600
    assert booking_check_in(booking=booking, actor=manager.user, now=local(day, 10)).status == S.CHECKED_IN
    assert captures() == 1
    assert bookings_settle_due(now=local(day, 11, 59)) == 0
    assert bookings_settle_due(now=local(day, 12)) == 1
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED
    assert captures() == 1
    assert place_state(place).balance == 600


def test_the_beat_captures_each_ended_booking_once_even_run_twice(scene):
    place, room, alice, _manager = scene
    day = booking_day(1)
    first = book(room, alice, day, start_hour=10, hours=1)
    second = book(room, alice, day, start_hour=14, hours=2)
    assert bookings_settle_due(now=local(day, 11, 59)) == 0  # within the hour of grace
    assert bookings_settle_due(now=local(day, 12)) == 1
    assert bookings_settle_due(now=local(day, 12, 10)) == 0
    assert bookings_settle_due(now=local(day, 17)) == 1
    assert bookings_settle_due(now=local(day, 17)) == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.COMPLETED, S.COMPLETED)
    assert captures() == 2
    assert (state(account_of(alice, "ACH")).balance, state(account_of(alice, "ACH")).held) == (9100, 0)
    assert place_state(place).balance == 900


def test_a_worker_dying_mid_capture_leaves_the_capture_to_the_next_run(scene):
    place, room, alice, _manager = scene
    day = booking_day(1)
    booking = book(room, alice, day, hours=1)

    class WorkerDied(Exception):
        pass

    # The settle's work done up to the capture, then the process dies before the commit.
    with pytest.raises(WorkerDied), transaction.atomic():
        locked = booking_lock(booking.pk)
        hold_capture(hold=Hold.objects.get(pk=locked.hold_id), actor=None, flow=True)
        raise WorkerDied
    assert captures() == 0
    assert state(account_of(alice, "ACH")).held == 300
    assert booking_settle(booking_id=booking.pk, now=local(day, 12)) is True
    assert booking_settle(booking_id=booking.pk, now=local(day, 12)) is False
    assert bookings_settle_due(now=local(day, 12)) == 0
    assert captures() == 1
    assert (state(account_of(alice, "ACH")).balance, state(account_of(alice, "ACH")).held) == (9700, 0)
    assert place_state(place).balance == 300


def test_refusals_write_nothing(scene):
    _place, room, alice, _manager = scene
    day = booking_day(1)
    book(room, alice, day)
    bob = funded_member("bob", ach="1.00")
    counts = (Booking.objects.count(), Hold.objects.count(), Transaction.objects.count(), AuditEvent.objects.count())
    with pytest.raises(SlotUnavailable):
        book(room, bob, day, start_hour=11)
    with pytest.raises(Exception) as refused:
        book(room, bob, day, start_hour=14)
    assert refused.value.code == "insufficient_funds"  # type: ignore[attr-defined]
    assert (
        Booking.objects.count(),
        Hold.objects.count(),
        Transaction.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    assert state(account_of(bob, "ACH")).held == 0


def test_seats_are_priced_per_seat_and_a_free_resource_holds_nothing(scene):
    place, _room, alice, _manager = scene
    day = booking_day(1)
    open_space = make_resource(place, "Open space", capacity=6, prices={"ACH": 150})
    garden = make_resource(place, "Jardin", capacity=10, prices={})
    booking = booking_create(
        resource=open_space, member=alice, start=local(day, 9), end=local(day, 11), seats=3, actor=alice.user
    )
    assert booking.price == 900
    free = booking_create(resource=garden, member=alice, start=local(day, 9), end=local(day, 10), actor=alice.user)
    assert (free.price, free.hold_id, free.unit) == (0, None, "ACH")
    assert state(account_of(alice, "ACH")).held == 900
    assert bookings_settle_due(now=local(day, 13)) == 2
    assert place_state(place).balance == 900


def test_a_booking_may_end_at_the_close_on_a_partial_step(scene):
    place, _room, alice, _manager = scene
    day = booking_day(1)
    # Steps of 5 h from 08:00: 13:00 then 18:00; the place closes at 20:00.
    workshop = make_resource(place, "Atelier", step_minutes=300, min_minutes=300, max_minutes=720, prices={"ACH": 1000})
    with pytest.raises(InvalidDuration):
        booking_create(resource=workshop, member=alice, start=local(day, 13), end=local(day, 19), actor=alice.user)
    booking = booking_create(
        resource=workshop, member=alice, start=local(day, 13), end=local(day, 20), actor=alice.user
    )
    assert booking.price == 2000  # the last partial step counts whole


def test_a_room_booked_whole_costs_the_same_for_six_and_takes_the_room(scene):
    """A meeting room for 8 (not shared): booked for 6 people it costs the step price once per
    step, and a second group is refused for that time, nothing written."""
    place, _room, alice, _manager = scene
    council = make_resource(place, "Salle pour huit", capacity=8, shared=False, prices={"ACH": 800})
    day = booking_day(2)
    booking = book(council, alice, day, start_hour=14, hours=2, seats=6)
    assert (booking.seats, booking.exclusive, booking.price) == (6, True, 1600)  # 8 ACH an hour, not × 6
    assert state(account_of(alice, "ACH")) == AccountState(balance=10000, held=1600)
    bob = funded_member("bob")
    counts = (Booking.objects.count(), Hold.objects.count())
    with pytest.raises(SlotUnavailable):
        book(council, bob, day, start_hour=15, hours=1, seats=1)
    assert (Booking.objects.count(), Hold.objects.count()) == counts
    assert state(account_of(bob, "ACH")) == AccountState(balance=10000, held=0)
    with pytest.raises(SlotUnavailable):  # more people than the room holds
        book(council, bob, day, start_hour=17, hours=1, seats=9)
