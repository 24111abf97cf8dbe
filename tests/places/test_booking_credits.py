"""Bookings paid with credits: a plan's allowance first, then a carnet, then money; exact balances
of each credit account at booking, cancellation, check-in; refusals write nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import translation
from djmoney.money import Money

from ledger.errors import InsufficientFunds
from ledger.models import Account, Hold
from ledger.services import transaction_post
from places.models import Booking, BookingCredit, Pass, PassOffer, Plan, PlanAllowance, Subscription
from places.selectors.credits import allowance_account, carnet_account, credit_issuer
from places.selectors.quote import booking_quote
from places.services import booking_cancel, booking_check_in, booking_create, booking_mark_no_show, booking_settle
from tests.conftest import api_client_for
from tests.factories import account_of
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

pytestmark = pytest.mark.django_db
S = Booking.Status


def grant(account: Account, issuer: Account, amount: str) -> None:
    unit = account.unit
    transaction_post(legs=[(issuer, -Money(amount, unit)), (account, Money(amount, unit))], kind="posting", actor=None)


def subscribe(member, place, *, hours: str, overage: int | None = None, paid_days: int = 30, **allowance):
    plan = Plan.objects.create(place=place, name="Résident", unit="ACH", price=5000)
    target = allowance or {"resource_kind": "meeting_room"}
    allow = PlanAllowance.objects.create(plan=plan, unit="CRH", amount=400, overage_price=overage, **target)
    today = dt.date.today()
    sub = Subscription.objects.create(
        member=member, plan=plan, unit="ACH", price=5000, start=today, paid_until=today + dt.timedelta(days=paid_days)
    )
    account = allowance_account(sub.pk, allow.pk, "CRH")
    grant(account, credit_issuer(place, "CRH"), hours)
    return account


def carnet(member, place, *, unit: str = "CRJ", quantity: str = "10", kind: str = "") -> Account:
    offer = PassOffer.objects.create(
        place=place, name="Carnet", resource_kind=kind, unit=unit, quantity=1000, price_unit="ACH", price=9000
    )
    row = Pass.objects.create(
        member=member,
        offer=offer,
        place=place,
        resource_kind=kind,
        unit=unit,
        quantity=1000,
        price_unit="ACH",
        price=9000,
        valid_until=dt.date.today() + dt.timedelta(days=365),
    )
    row.account = carnet_account(row.pk, unit)
    row.save(update_fields=["account"])
    grant(row.account, credit_issuer(place, unit), quantity)
    return row.account


@pytest.fixture
def scene():
    place = make_place()
    room = make_resource(place, "Salle du conseil")  # meeting room, 3 ACH an hour, 50 % kept late
    desks = make_resource(place, "Open space", capacity=4, prices={"ACH": 200})
    alice = funded_member("alice")
    manager = make_manager(place, "gerante")
    return place, room, desks, alice, manager


def book(resource, member, day, start_hour=10, hours=2, **extra):
    return booking_create(
        resource=resource,
        member=member,
        start=local(day, start_hour),
        end=local(day, start_hour + hours),
        actor=member.user,
        **extra,
    )


def credits_of(booking):
    return [(c.source, c.unit, c.amount) for c in booking.credits.order_by("id")]


def test_the_allowance_pays_all_and_the_check_in_consumes_it(scene):
    place, room, _desks, alice, manager = scene
    allowance = subscribe(alice, place, hours="4")
    day = booking_day(3)
    booking = book(room, alice, day)
    assert (booking.price, booking.hold) == (0, None)
    assert credits_of(booking) == [("allowance", "CRH", 200)]
    assert state(allowance) == AccountState(balance=400, held=200)
    assert state(account_of(alice, "ACH")) == AccountState(balance=10000, held=0)
    booking_check_in(booking=booking, actor=manager.user, now=local(day, 10))
    assert state(allowance) == AccountState(balance=200, held=0)
    assert state(credit_issuer(place, "CRH")).balance == -200


def test_an_exhausted_allowance_pays_part_and_the_rest_at_its_overage_price(scene):
    place, room, _desks, alice, _manager = scene
    allowance = subscribe(alice, place, hours="1.5", overage=200)
    booking = book(room, alice, booking_day(3), hours=3)
    assert credits_of(booking) == [("allowance", "CRH", 150)]
    # 1 h 30 uncovered, rounded up to 2 steps of an hour at 2.00 ACH (not the room's 3.00).
    assert (booking.price, booking.unit) == (400, "ACH")
    assert state(allowance) == AccountState(balance=150, held=150)
    assert state(account_of(alice, "ACH")) == AccountState(balance=10000, held=400)


def test_a_carnet_pays_after_the_allowance_and_a_timely_cancel_gives_everything_back(scene):
    place, room, _desks, alice, _manager = scene
    allowance = subscribe(alice, place, hours="1")
    hours = carnet(alice, place, unit="CRH", quantity="10")
    booking = book(room, alice, booking_day(3), hours=3)
    assert credits_of(booking) == [("allowance", "CRH", 100), ("carnet", "CRH", 200)]
    assert (booking.price, booking.hold) == (0, None)
    assert state(hours) == AccountState(balance=1000, held=200)
    booking_cancel(booking=booking, actor=alice.user)
    assert state(allowance) == AccountState(balance=100, held=0)
    assert state(hours) == AccountState(balance=1000, held=0)
    assert set(Hold.objects.filter(booking_credit__booking=booking).values_list("status", flat=True)) == {"voided"}


def test_a_day_carnet_pays_one_day_per_seat_and_is_consumed_once_at_check_in(scene):
    place, _room, desks, alice, manager = scene
    days = carnet(alice, place, kind="desk")
    day = booking_day(3)
    booking = book(desks, alice, day, start_hour=9, hours=3, seats=1)
    assert credits_of(booking) == [("carnet", "CRJ", 100)]
    assert state(days) == AccountState(balance=1000, held=100)  # held at booking, not consumed
    booking_check_in(booking=booking, actor=manager.user, now=local(day, 9))
    booking_check_in(booking=booking, actor=manager.user, now=local(day, 10))
    assert state(days) == AccountState(balance=900, held=0)


def test_half_a_day_left_does_not_pay_a_day(scene):
    place, _room, desks, alice, _manager = scene
    days = carnet(alice, place, quantity="0.5")
    booking = book(desks, alice, booking_day(3), start_hour=9, hours=3)
    assert (credits_of(booking), booking.price) == ([], 600)
    assert state(days) == AccountState(balance=50, held=0)


def test_a_late_cancellation_keeps_the_fee_on_the_credits_too(scene):
    place, room, _desks, alice, _manager = scene
    allowance = subscribe(alice, place, hours="4")
    day = booking_day(3)
    booking = book(room, alice, day)
    cancelled = booking_cancel(booking=booking, actor=alice.user, now=local(day, 9))
    assert cancelled.status == S.CANCELLED
    # 50 % of the 2 h held is kept, the rest comes back.
    assert state(allowance) == AccountState(balance=300, held=0)


def test_a_no_show_keeps_the_fee_on_the_credits(scene):
    place, room, _desks, alice, manager = scene
    allowance = subscribe(alice, place, hours="4")
    day = booking_day(3)
    booking = book(room, alice, day)
    booking_mark_no_show(booking=booking, actor=manager.user, now=local(day, 11))
    assert state(allowance) == AccountState(balance=300, held=0)


def test_no_allowance_after_the_plans_paid_period(scene):
    place, room, _desks, alice, _manager = scene
    allowance = subscribe(alice, place, hours="4", paid_days=1)
    booking = book(room, alice, booking_day(3))
    assert (credits_of(booking), booking.price) == ([], 600)
    assert state(allowance) == AccountState(balance=400, held=0)


def test_a_refused_booking_writes_nothing(scene):
    place, room, _desks, _alice, _manager = scene
    poor = funded_member("poor", ach="0")
    allowance = subscribe(poor, place, hours="1")
    holds = Hold.objects.count()
    with pytest.raises(InsufficientFunds):
        book(room, poor, booking_day(3), hours=3)
    assert (Booking.objects.count(), BookingCredit.objects.count(), Hold.objects.count()) == (0, 0, holds)
    assert state(allowance) == AccountState(balance=100, held=0)


def test_the_quote_shows_the_lines_and_writes_nothing(scene):
    place, room, _desks, alice, _manager = scene
    allowance = subscribe(alice, place, hours="1", overage=None)
    day = booking_day(3)
    accounts = Account.objects.count()
    with translation.override("fr"):
        quote = booking_quote(resource=room, member=alice, start=local(day, 10), end=local(day, 12))
    assert [(line.source, line.unit, line.amount) for line in quote.lines] == [
        ("allowance", "CRH", 100),
        ("price", "ACH", 300),
    ]
    assert [line.label for line in quote.lines] == ["Inclus dans votre forfait Résident", "3,00 ACH"]
    assert (quote.money_unit, quote.money_amount) == ("ACH", 300)
    assert Account.objects.count() == accounts
    assert state(allowance) == AccountState(balance=100, held=0)


def test_the_quote_api_and_the_bookings_credits(scene):
    place, room, _desks, alice, _manager = scene
    subscribe(alice, place, hours="1", overage=250)
    day = booking_day(3)
    client = api_client_for(alice.user)
    start, end = local(day, 10).isoformat(), local(day, 12).isoformat()
    response = client.get(f"/api/resources/{room.pk}/quote/", {"start": start, "end": end})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "lines": [
            {"source": "allowance", "label": "Inclus dans votre forfait Résident", "unit": "CRH", "amount": "1.00"},
            {"source": "price", "label": "2,50 ACH", "unit": "ACH", "amount": "2.50"},
        ],
        "money": {"amount": "2.50", "unit": "ACH"},
    }
    bad = client.get(f"/api/resources/{room.pk}/quote/", {"start": start, "end": end, "seats": "x"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    booked = client.post(
        "/api/bookings/",
        {"resource": room.pk, "start": start, "end": end},
        format="json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert booked.status_code == 201, booked.content
    assert booked.json()["credits"] == [{"source": "allowance", "unit": "CRH", "amount": "1.00"}]
    assert booked.json()["price"] == {"amount": "2.50", "unit": "ACH"}
    assert client.get("/api/bookings/").json()["results"][0]["credits"][0]["amount"] == "1.00"


def test_the_page_shows_what_pays_before_confirming_and_in_my_bookings(scene):
    place, room, _desks, alice, _manager = scene
    subscribe(alice, place, hours="4")
    client = Client()
    client.force_login(alice.user)
    url = f"/places/resources/{room.pk}/book/"
    day = booking_day(3)
    data = {"idempotency_key": "k-page", "date": day.isoformat(), "start": "10:00", "end": "12:00", "seats": 1}
    preview = client.post(url, data)
    assert preview.status_code == 200
    assert "Inclus dans votre forfait Résident" in preview.content.decode()
    assert allowance_state(alice) == AccountState(balance=400, held=0)  # the preview holds nothing
    confirmed = client.post(url, {**data, "confirm": preview.context["preview"]["signature"]})
    assert confirmed.status_code == 302
    assert allowance_state(alice) == AccountState(balance=400, held=200)
    page = client.get("/me/bookings/").content.decode()
    assert "Inclus dans votre forfait Résident" in page


def allowance_state(member):
    credit = Subscription.objects.get(member=member).plan.allowances.get()
    return state(allowance_account(Subscription.objects.get(member=member).pk, credit.pk, "CRH"))


def test_the_beat_settles_a_booking_never_checked_in_by_capturing_its_credits_once(scene):
    place, _room, desks, alice, _manager = scene
    days = carnet(alice, place, kind="desk")
    day = booking_day(3)
    booking = book(desks, alice, day, start_hour=9, hours=3)
    after = local(day, 14)
    assert booking_settle(booking_id=booking.pk, now=after, grace_minutes=60) is True
    assert booking_settle(booking_id=booking.pk, now=after, grace_minutes=60) is False
    assert state(days) == AccountState(balance=900, held=0)
