"""Bookings at the counter: a manager books for a guest who is not a member, paid in euros when
they come. Nothing held at booking; the euros posted once at check-in; refusals write nothing; the
beat marks an unpaid one a no-show; retention blanks the guest; open data never names them."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from core.errors import PermissionDenied
from core.models import AuditEvent
from core.retention import retention_apply
from ledger.models import Hold, Transaction
from places.calendar import busy_calendar
from places.errors import MembersOnly, UnitNotAccepted
from places.kinds import BOOKING_COUNTER
from places.models import Booking
from places.services import (
    booking_cancel,
    booking_check_in,
    booking_create_at_counter,
    bookings_settle_due,
)
from tests.conftest import api_client_for
from tests.places.booking_setup import (
    AccountState,
    booking_day,
    funded_member,
    local,
    make_manager,
    make_place,
    make_resource,
    place_state,
)

pytestmark = pytest.mark.django_db
S = Booking.Status
GUEST = "Jeanne Passante"


@pytest.fixture
def scene():
    place = make_place(units=["ACH", "EUR"])
    # 6,00 € an hour, open to non-members.
    room = make_resource(place, "Salle associative", prices={"ACH": 300, "EUR": 600}, members_only=False)
    manager = make_manager(place, "gerante")
    return place, room, manager


def counter(room, manager, day, start_hour=10, hours=2, **extra):
    extra.setdefault("guest_name", GUEST)
    return booking_create_at_counter(
        resource=room, start=local(day, start_hour), end=local(day, start_hour + hours), actor=manager.user, **extra
    )


def posted() -> int:
    return Transaction.objects.filter(kind=BOOKING_COUNTER).count()


def test_a_manager_books_for_a_guest_nothing_held_and_check_in_posts_the_euros_once(scene):
    place, room, manager = scene
    day = booking_day(2)
    booking = counter(room, manager, day, guest_phone="06 12 34 56 78", idempotency_key="k1")
    assert (booking.member, booking.guest_name, booking.guest_phone) == (None, GUEST, "06 12 34 56 78")
    assert (booking.status, booking.unit, booking.price, booking.hold) == (S.CONFIRMED, "EUR", 1200, None)
    assert counter(room, manager, day, guest_phone="06 12 34 56 78", idempotency_key="k1").pk == booking.pk
    assert (Booking.objects.count(), Hold.objects.count(), posted()) == (1, 0, 0)
    assert AuditEvent.objects.filter(action="booking_create_at_counter", object_id=str(booking.pk)).count() == 1

    booking_check_in(booking=booking, actor=manager.user, now=local(day, 9, 50))
    booking_check_in(booking=booking, actor=manager.user, now=local(day, 10, 5))
    assert place_state(place, "EUR") == AccountState(balance=1200, held=0)
    assert posted() == 1
    booking.refresh_from_db()
    assert booking.status == S.CHECKED_IN
    assert Transaction.objects.get(kind=BOOKING_COUNTER).idempotency_key == f"booking-counter:{booking.pk}"
    assert bookings_settle_due(now=local(day, 12)) == 1
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED
    assert (posted(), place_state(place, "EUR").balance) == (1, 1200)


def test_a_free_counter_booking_posts_nothing_at_check_in(scene):
    place, _room, manager = scene
    free = make_resource(place, "Coin lecture", prices={}, members_only=False)
    day = booking_day(2)
    booking = counter(free, manager, day)
    assert booking.price == 0
    booking_check_in(booking=booking, actor=manager.user, now=local(day, 10))
    assert posted() == 0


@pytest.mark.parametrize("who", ["member", "other_manager"])
def test_only_the_places_managers_book_at_the_counter(scene, who):
    _place, room, _manager = scene
    actor = funded_member("alice") if who == "member" else make_manager(make_place("Ailleurs"), "autre")
    with pytest.raises(PermissionDenied):
        counter(room, actor, booking_day(2))
    assert Booking.objects.count() == 0


def test_members_only_and_no_euros_are_refused_and_write_nothing(scene):
    place, _room, manager = scene
    day = booking_day(2)
    members_room = make_resource(place, "Bureau", prices={"EUR": 500})  # members_only by default
    with pytest.raises(MembersOnly):
        counter(members_room, manager, day)
    ach_only = make_resource(place, "Atelier", prices={"ACH": 300}, members_only=False)
    with pytest.raises(UnitNotAccepted):
        counter(ach_only, manager, day)
    no_euros = make_place("Sans euros", units=["ACH"])
    room = make_resource(no_euros, "Salle", prices={}, members_only=False)
    with pytest.raises(UnitNotAccepted):
        counter(room, make_manager(no_euros, "gerant2"), day)
    assert (Booking.objects.count(), AuditEvent.objects.filter(action="booking_create_at_counter").count()) == (0, 0)


def test_the_beat_marks_an_unpaid_counter_booking_no_show_and_a_cancel_posts_nothing(scene):
    place, room, manager = scene
    day = booking_day(2)
    unpaid = counter(room, manager, day)
    cancelled = booking_cancel(booking=counter(room, manager, day, start_hour=14), actor=manager.user)
    assert bookings_settle_due(now=local(day, 18)) == 1
    unpaid.refresh_from_db()
    assert (unpaid.status, unpaid.fee, cancelled.status, cancelled.fee) == (S.NO_SHOW, 0, S.CANCELLED, 0)
    assert posted() == 0
    assert place_state(place, "EUR") == AccountState(balance=0, held=0)


def test_retention_blanks_the_guest_after_its_time_and_open_data_never_names_them(scene, settings):
    _place, room, manager = scene
    day = booking_day(2)
    booking = counter(room, manager, day, guest_phone="0612")
    busy = busy_calendar(room, now=local(day, 8)).decode()
    assert "Réservé" in busy or "BEGIN:VEVENT" in busy
    assert GUEST not in busy and "0612" not in busy
    start, end = timezone.localtime(local(day, 8)).isoformat(), timezone.localtime(local(day, 20)).isoformat()
    anonymous = Client()
    for url in (
        f"/api/resources/{room.pk}/availability/?start={start}&end={end}".replace("+", "%2B"),
        f"/api/places/occupancy/?month={day:%Y-%m}",
        f"/places/resources/{room.pk}/busy.ics",
    ):
        response = anonymous.get(url)
        assert response.status_code == 200, url
        assert GUEST not in response.content.decode()

    booking_check_in(booking=booking, actor=manager.user, now=local(day, 10))
    bookings_settle_due(now=local(day, 12))
    ends = booking.end
    days = settings.BOCAGE_PLACES_GUEST_RETENTION_DAYS
    assert retention_apply(now=ends + dt.timedelta(days=days) - dt.timedelta(minutes=1))["places.counter_guests"] == 0
    assert retention_apply(now=ends + dt.timedelta(days=days, minutes=1))["places.counter_guests"] == 1
    booking.refresh_from_db()
    assert (booking.guest_name, booking.guest_phone, booking.status) == ("", "", S.COMPLETED)
    assert retention_apply(now=ends + dt.timedelta(days=days, minutes=2))["places.counter_guests"] == 0


def test_the_counter_api_books_and_shows_the_guest_to_managers_only(scene):
    place, room, manager = scene
    day = booking_day(2)
    body = {
        "resource": room.pk,
        "start": local(day, 10).isoformat(),
        "end": local(day, 11).isoformat(),
        "guest_name": GUEST,
        "guest_phone": "0612",
    }
    as_manager = api_client_for(manager.user)
    assert as_manager.post("/api/bookings/counter/", body, format="json").status_code == 400  # no key
    response = as_manager.post(
        "/api/bookings/counter/", body, format="json", headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["member"], data["guest_name"], data["guest_phone"], data["hold"]) == (None, GUEST, "0612", None)
    assert data["price"] == {"amount": "6.00", "unit": "EUR"}
    listed = as_manager.get(f"/api/bookings/?place={place.pk}").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["guest_name"] for row in rows] == [GUEST]

    stranger = api_client_for(funded_member("bob").user)
    refused = stranger.post("/api/bookings/counter/", body, format="json", headers={"Idempotency-Key": "x-1"})
    assert refused.status_code == 403
    assert stranger.get(f"/api/bookings/{data['id']}/").status_code == 404
    members_room = make_resource(place, "Bureau", prices={"EUR": 500})
    refused = as_manager.post(
        "/api/bookings/counter/",
        {**body, "resource": members_room.pk},
        format="json",
        headers={"Idempotency-Key": "x-2"},
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "members_only")
    assert Booking.objects.count() == 1


def test_the_manage_page_books_for_a_guest_and_shows_what_to_pay(scene, client):
    place, room, manager = scene
    day = booking_day(2)
    client.force_login(manager.user)
    page = client.get(f"/places/{place.pk}/manage/?date={day.isoformat()}")
    assert page.status_code == 200
    assert 'name="guest-guest_name"' in page.content.decode()
    form = {
        "guest-idempotency_key": "page-1",
        "guest-resource": room.pk,
        "guest-date": day.strftime("%d/%m/%Y"),
        "guest-start": "10:00",
        "guest-end": "12:00",
        "guest-seats": "1",
        "guest-guest_name": GUEST,
        "guest-guest_phone": "",
    }
    url = f"/places/{place.pk}/manage/counter/"
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302  # the same form again books once
    assert Booking.objects.filter(guest_name=GUEST).count() == 1
    listed = client.get(f"/places/{place.pk}/manage/?date={day.isoformat()}").content.decode()
    assert GUEST in listed
    assert "12,00" in listed and "comptoir" in listed
    refused = client.post(url, {**form, "guest-idempotency_key": "page-2"})  # the slot is taken
    assert refused.status_code == 422
    assert Booking.objects.count() == 1
