"""Check-in by the member's QR code: a signed token valid 5 minutes, read by a manager of the
place who validates the arrival; expired, forged or non-manager scans write nothing; a double
scan checks in once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from ledger.models import Hold
from places.errors import BookingNotFound, CheckInCodeInvalid
from places.models import Booking, OpeningRule
from places.services import booking_create
from places.services.checkin import checkin_by_code, checkin_code, checkin_code_member
from tests.concurrency import race
from tests.conftest import requires_postgresql
from tests.factories import account_of
from tests.places.booking_setup import (
    booking_day,
    funded_member,
    local,
    make_manager,
    make_place,
    make_resource,
    place_state,
    state,
)

T0 = local(booking_day(2), 10)


@pytest.mark.django_db
def test_a_code_is_valid_five_minutes_and_only_as_signed():
    alice = funded_member("alice", ach="0")
    code = checkin_code(alice, now=T0)
    assert checkin_code_member(code, now=T0 + dt.timedelta(minutes=4, seconds=59)) == alice
    with pytest.raises(CheckInCodeInvalid):
        checkin_code_member(code, now=T0 + dt.timedelta(minutes=5, seconds=1))
    # A manager who opened the page in time may still press the button a few minutes later.
    assert checkin_code_member(code, now=T0 + dt.timedelta(minutes=8), grace=dt.timedelta(minutes=10)) == alice
    member_id, stamp, signature = code.split(":")
    forged = [
        f"{member_id}1:{stamp}:{signature}",  # another member
        f"{member_id}:{stamp}:{signature[:-1]}x",
        signing.TimestampSigner(salt="ledger.other").sign(member_id),  # our key, another purpose
        "not-a-code",
        "",
    ]
    for token in forged:
        with pytest.raises(CheckInCodeInvalid):
            checkin_code_member(token, now=T0)


@pytest.fixture
def scene(db):
    place = make_place()
    room = make_resource(place, "Salle du conseil")  # 3 ACH an hour
    alice = funded_member("alice")
    day = booking_day(2)
    booking = booking_create(
        resource=room, member=alice, start=local(day, 10), end=local(day, 12), actor=alice.user, idempotency_key="b1"
    )
    return place, room, alice, booking


def test_a_manager_scans_and_validates_once_a_stranger_writes_nothing(scene):
    place, _room, alice, booking = scene
    manager, other = make_manager(place, "hote"), make_manager(make_place("Café"), "cafetier")
    code = checkin_code(alice, now=T0 - dt.timedelta(minutes=20))
    for stranger in (other, alice):
        with pytest.raises(BookingNotFound):
            checkin_by_code(token=code, booking_id=booking.pk, actor=stranger.user, now=T0 - dt.timedelta(minutes=15))
    with pytest.raises(CheckInCodeInvalid):
        checkin_by_code(token=code + "x", booking_id=booking.pk, actor=manager.user, now=T0)
    booking.refresh_from_db()
    assert (booking.status, place_state(place).balance) == (Booking.Status.CONFIRMED, 0)

    first = checkin_by_code(token=code, booking_id=booking.pk, actor=manager.user, now=T0 - dt.timedelta(minutes=15))
    again = checkin_by_code(token=code, booking_id=booking.pk, actor=manager.user, now=T0 - dt.timedelta(minutes=10))
    assert (first.status, again.checked_in_at) == (Booking.Status.CHECKED_IN, T0 - dt.timedelta(minutes=15))
    assert (state(account_of(alice, "ACH")).balance, place_state(place).balance) == (100_00 - 600, 600)
    assert Hold.objects.get().status == Hold.Status.CAPTURED


@pytest.mark.django_db
def test_the_pages_the_member_shows_and_the_manager_opens():
    # A place open all day and a booking around the real clock: the pages read it.
    now = timezone.localtime()
    if (now.hour == 23 and now.minute >= 50) or (now.hour == 0 and now.minute < 10):
        pytest.skip("around midnight the day's opening ends")
    place = make_place("Nuit et jour")
    OpeningRule.objects.filter(place=place).update(opens=dt.time(0), closes=dt.time(23, 59))
    room = make_resource(place, "Bureau", step_minutes=5, min_minutes=5, members_only=False)
    alice = funded_member("alice")
    start = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0) - dt.timedelta(minutes=5)
    booking = booking_create(
        resource=room,
        member=alice,
        start=start,
        end=start + dt.timedelta(minutes=15),
        actor=alice.user,
        now=start - dt.timedelta(hours=1),
    )
    member_page = Client()
    member_page.force_login(alice.user)
    shown = member_page.get("/me/check-in/")
    assert shown.status_code == 200
    assert b"<svg" in shown.content and b'data-checkin-refresh="60"' in shown.content
    assert b"js/checkin-code.js" in shown.content  # the code is swapped in place, no meta refresh

    code = checkin_code(alice)
    url = f"/places/check-in/{code}/"
    stranger = Client()
    stranger.force_login(funded_member("bob", ach="0").user)
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"booking": booking.pk}).status_code == 404

    host = Client()
    host.force_login(make_manager(place, "hote").user)
    assert host.get(f"/places/check-in/{code[:-2]}xx/").status_code == 400
    page = host.get(url)
    assert page.status_code == 200
    assert alice.display_name in page.content.decode() and f'value="{booking.pk}"' in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED  # opening the page writes nothing
    assert host.post(url, {"booking": booking.pk}).status_code == 200
    assert host.post(url, {"booking": booking.pk}).status_code == 200  # a double click
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN
    assert state(account_of(alice, "ACH")).balance == 100_00 - booking.price


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_check_in_once(scene):
    place, _room, alice, booking = scene
    managers = [make_manager(place, f"hote{i}") for i in range(4)]
    code, later = checkin_code(alice, now=T0), T0 + dt.timedelta(minutes=1)

    def scan(manager):
        return lambda: checkin_by_code(token=code, booking_id=booking.pk, actor=manager.user, now=later)

    results = race([scan(manager) for manager in managers * 2])
    assert all(isinstance(r, Booking) and r.status == Booking.Status.CHECKED_IN for r in results)
    assert len({r.checked_in_at for r in results}) == 1
    assert (state(account_of(alice, "ACH")).balance, place_state(place).balance) == (100_00 - 600, 600)
