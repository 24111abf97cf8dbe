"""The bookings API (a contract): its 201 body, each refusal's code, malformed input, who sees what."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ledger.models import Hold, Transaction
from members.models import Member
from places.models import Booking, Qualification
from tests.conftest import api_client_for
from tests.factories import account_of, auditor_user
from tests.places.booking_setup import (
    booking_day,
    funded_member,
    local,
    make_manager,
    make_place,
    make_resource,
    state,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    place = make_place()
    other = make_place("Le Fablab des Achards")
    room = make_resource(place, "Salle du conseil", prices={"ACH": 300, "HRS": 100})
    laser = make_resource(other, "Découpe laser", qualification=Qualification.objects.create(place=other, name="Laser"))
    alice = funded_member("alice")
    return place, other, room, laser, alice


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def book(client, resource, start, end, headers=None, **extra):
    body = {"resource": resource.pk, "start": start.isoformat(), "end": end.isoformat(), **extra}
    return client.post("/api/bookings/", body, format="json", headers=headers or key())


def written() -> tuple[int, int, int]:
    return Booking.objects.count(), Hold.objects.count(), Transaction.objects.count()


def test_booking_answers_the_contract_body_with_paris_offsets(scene):
    _place, _other, room, _laser, alice = scene
    day = booking_day()
    response = book(api_client_for(alice.user), room, local(day, 10), local(day, 12))
    assert response.status_code == 201, response.json()
    body = response.json()
    booking = Booking.objects.get()
    assert body["id"] == booking.pk
    assert body["resource"] == room.pk
    paris = ZoneInfo("Europe/Paris")
    assert body["start"] == local(day, 10).astimezone(paris).isoformat()  # "…T10:00:00+01:00" (+02:00 in summer)
    assert body["start"][11:19] == "10:00:00"
    assert body["end"] == local(day, 12).astimezone(paris).isoformat()
    assert body["seats"] == 1
    assert body["status"] == "confirmed"
    assert body["price"] == {"amount": "6.00", "unit": "ACH"}
    assert body["hold"] == booking.hold_id
    assert body["fee_if_cancelled_now"] == {"amount": "0.00", "unit": "ACH"}
    assert state(account_of(alice, "ACH")).held == 600


def test_the_unit_may_be_chosen_among_the_prices(scene):
    _place, _other, room, _laser, alice = scene
    day = booking_day()
    response = book(api_client_for(alice.user), room, local(day, 10), local(day, 11), unit="HRS")
    assert response.status_code == 201, response.json()
    assert response.json()["price"] == {"amount": "1.00", "unit": "HRS"}


def test_a_replay_books_once_and_a_reused_key_is_refused(scene):
    _place, _other, room, _laser, alice = scene
    day = booking_day()
    client, headers = api_client_for(alice.user), key()
    first = book(client, room, local(day, 10), local(day, 12), headers=headers)
    again = book(client, room, local(day, 10), local(day, 12), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    before = written()
    other = book(client, room, local(day, 14), local(day, 15), headers=headers)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert written() == before == (1, 1, 1)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("taken", "slot_unavailable"),
        ("at_night", "outside_opening_hours"),
        ("off_step", "outside_opening_hours"),
        ("too_short", "invalid_duration"),
        ("too_far", "too_far_ahead"),
        ("past", "in_the_past"),
        ("euro", "unit_not_accepted"),
        ("laser", "qualification_required"),
        ("poor", "insufficient_funds"),
        ("expired", "membership_expired"),
    ],
)
def test_each_refusal_answers_422_with_its_code_and_writes_nothing(scene, case, code):
    _place, _other, room, laser, alice = scene
    day = booking_day()
    if case == "taken":
        book(api_client_for(funded_member("bob").user), room, local(day, 10), local(day, 12))
    member = alice
    if case == "poor":
        member = funded_member("pauvre", ach="1.00")
    if case == "expired":
        Member.objects.filter(pk=alice.pk).update(membership_expires_on=timezone.localdate() - dt.timedelta(days=1))
    start, end, extra, resource = local(day, 10), local(day, 12), {}, room
    if case == "at_night":
        start, end = local(day, 19), local(day, 21)
    elif case == "off_step":
        start, end = local(day, 10, 30), local(day, 11, 30)
    elif case == "too_short":
        end = local(day, 10, 30)
    elif case == "too_far":
        start, end = local(day + dt.timedelta(days=120), 10), local(day + dt.timedelta(days=120), 11)
    elif case == "past":
        start, end = local(day - dt.timedelta(days=5), 10), local(day - dt.timedelta(days=5), 11)
    elif case == "euro":
        extra = {"unit": "EUR"}
    elif case == "laser":
        resource = laser
    before = written()
    response = book(api_client_for(member.user), resource, start, end, **extra)
    assert (response.status_code, response.json()["code"]) == (422, code), response.json()
    assert written() == before
    assert response.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"start": "2030-01-07T10:00:00", "end": "2030-01-07T11:00:00+01:00"},  # naive start
        {"start": "demain", "end": "2030-01-07T11:00:00+01:00"},
        {"seats": 0},
        {"seats": "deux"},
        {"resource": None},
        {"end": None},
    ],
)
def test_malformed_bookings_answer_400(scene, body):
    _place, _other, room, _laser, alice = scene
    day = booking_day()
    full = {"resource": room.pk, "start": local(day, 10).isoformat(), "end": local(day, 11).isoformat()}
    full.update(body)
    full = {name: value for name, value in full.items() if value is not None}
    response = api_client_for(alice.user).post("/api/bookings/", full, format="json", headers=key())
    assert response.status_code == 400, response.json()
    assert Booking.objects.count() == 0


def test_a_booking_without_a_key_answers_400(scene):
    _place, _other, room, _laser, alice = scene
    day = booking_day()
    response = book(api_client_for(alice.user), room, local(day, 10), local(day, 11), headers={"X": "y"})
    assert response.status_code == 400
    assert Booking.objects.count() == 0


def test_unknown_or_hidden_resources_answer_404(scene):
    place, _other, room, _laser, alice = scene
    day = booking_day()
    client = api_client_for(alice.user)
    response = client.post(
        "/api/bookings/",
        {"resource": 999999, "start": local(day, 10).isoformat(), "end": local(day, 11).isoformat()},
        format="json",
        headers=key(),
    )
    assert response.status_code == 404
    place.public = False
    place.save()
    assert book(client, room, local(day, 10), local(day, 11)).status_code == 404
    assert Booking.objects.count() == 0


def test_members_see_their_own_and_managers_their_places(scene):
    place, other, room, _laser, alice = scene
    day = booking_day()
    bob = funded_member("bob")
    alice_id = book(api_client_for(alice.user), room, local(day, 10), local(day, 11)).json()["id"]
    bob_id = book(api_client_for(bob.user), room, local(day, 14), local(day, 15)).json()["id"]
    as_alice, as_bob = api_client_for(alice.user), api_client_for(bob.user)
    assert [b["id"] for b in as_alice.get("/api/bookings/").json()["results"]] == [alice_id]
    assert as_alice.get(f"/api/bookings/{bob_id}/").status_code == 404
    assert as_alice.post(f"/api/bookings/{bob_id}/cancel/").status_code == 404
    assert [b["id"] for b in as_alice.get(f"/api/bookings/?place={place.pk}").json()["results"]] == [alice_id]

    manager = api_client_for(make_manager(place, "gerante").user)
    other_manager = api_client_for(make_manager(other, "fabmanager").user)
    assert manager.get("/api/bookings/").json()["results"] == []
    listed = manager.get(f"/api/bookings/?place={place.pk}").json()["results"]
    assert [b["id"] for b in listed] == [alice_id, bob_id]
    assert listed[0]["member"]["display_name"] == alice.display_name
    assert other_manager.get(f"/api/bookings/?place={place.pk}").json()["results"] == []
    for action in ("cancel", "check-in", "no-show"):
        assert other_manager.post(f"/api/bookings/{bob_id}/{action}/").status_code == 404
    assert other_manager.get(f"/api/bookings/{bob_id}/").status_code == 404

    auditor = api_client_for(auditor_user())
    assert auditor.get(f"/api/bookings/{bob_id}/").status_code == 200
    assert len(auditor.get(f"/api/bookings/?place={place.pk}").json()["results"]) == 2
    assert auditor.post(f"/api/bookings/{bob_id}/cancel/").status_code == 404
    assert as_bob.post(f"/api/bookings/{bob_id}/check-in/").status_code == 403
    assert Booking.objects.filter(status="confirmed").count() == 2
    assert manager.get("/api/bookings/?place=abc").status_code == 400


def test_cancel_check_in_and_no_show_through_the_api(scene):
    place, _other, room, _laser, alice = scene
    day = booking_day(0)
    client = api_client_for(alice.user)
    manager = api_client_for(make_manager(place, "gerante").user)
    first = book(client, room, local(day + dt.timedelta(days=3), 10), local(day + dt.timedelta(days=3), 11)).json()
    response = client.post(f"/api/bookings/{first['id']}/cancel/", {"reason": ""}, format="json")
    assert (response.status_code, response.json()["status"], response.json()["fee"]["amount"]) == (
        200,
        "cancelled",
        "0.00",
    )
    assert client.post(f"/api/bookings/{first['id']}/cancel/").json()["status"] == "cancelled"
    second = book(client, room, local(day + dt.timedelta(days=3), 12), local(day + dt.timedelta(days=3), 13)).json()
    response = manager.post(f"/api/bookings/{second['id']}/check-in/")
    assert (response.status_code, response.json()["code"]) == (422, "check_in_not_allowed")
    response = manager.post(f"/api/bookings/{second['id']}/no-show/")
    assert (response.status_code, response.json()["code"]) == (422, "no_show_not_allowed")
    response = manager.post(f"/api/bookings/{second['id']}/cancel/", {"reason": "Fuite d'eau"}, format="json")
    assert (response.status_code, response.json()["status"], response.json()["cancel_reason"]) == (
        200,
        "cancelled",
        "Fuite d'eau",
    )
    assert state(account_of(alice, "ACH")).held == 0
    assert state(account_of(alice, "ACH")).balance == 10000
