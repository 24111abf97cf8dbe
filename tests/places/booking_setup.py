"""What the booking tests share: a place open every day 08:00–20:00, its resources, funded members.

Places and resources are reference data a manager types in the admin: they are made as rows here.
Bookings, money and roles go through the services. Times are Europe/Paris wall times, two days
ahead of the real clock (holds compare their expiry with it), read as UTC instants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ledger.models import Account
from members.models import Commune, Member
from places.models import OpeningRule, Place, PlaceManager, Resource, ResourcePrice
from places.openings import wall_instant
from places.selectors.bookings import place_account
from tests.factories import MemberFactory, account_of, fund

UTC = dt.UTC


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """The UTC instant of `hour:minute` on local `day`."""
    return wall_instant(day, dt.time(hour, minute))


def booking_day(days_ahead: int = 2) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days_ahead)


def make_place(name: str = "La Cordée", *, units: list[str] | None = None, public: bool = True) -> Place:
    place = Place.objects.create(
        name=name,
        kinds=["coworking"],
        commune=Commune.objects.order_by("id").first(),
        address="1 rue de la Mairie",
        latitude="46.6",
        longitude="-1.65",
        units=units if units is not None else ["ACH", "HRS"],
        public=public,
    )
    for weekday in range(7):
        OpeningRule.objects.create(place=place, weekday=weekday, opens=dt.time(8), closes=dt.time(20))
    return place


def make_resource(
    place: Place,
    name: str,
    *,
    capacity: int = 1,
    prices: dict[str, int] | None = None,
    parent: Resource | None = None,
    **fields: object,
) -> Resource:
    """A resource; `prices` in minor units per step ({"ACH": 300}: 3 ACH an hour by default)."""
    resource = Resource.objects.create(
        place=place,
        name=name,
        kind=fields.pop("kind", "meeting_room" if capacity == 1 else "desk"),
        capacity=capacity,
        # Several seats are sold one by one unless told (an open space); a room of 1 is booked whole anyway.
        shared=fields.pop("shared", capacity > 1),
        parent=parent,
        step_minutes=fields.pop("step_minutes", 60),
        min_minutes=fields.pop("min_minutes", 60),
        max_minutes=fields.pop("max_minutes", 600),
        **fields,
    )
    for unit, amount in (prices if prices is not None else {"ACH": 300}).items():
        ResourcePrice.objects.create(resource=resource, unit=unit, amount=amount)
    return resource


def funded_member(username: str, ach: str = "100.00") -> Member:
    member = MemberFactory(username=username)
    if ach != "0":
        fund(account_of(member, "ACH"), ach)
    return member


def make_manager(place: Place, username: str) -> Member:
    member = MemberFactory(username=username)
    PlaceManager.objects.create(place=place, member=member)
    return member


@dataclass
class AccountState:
    """An account's state in minor units."""

    balance: int
    held: int

    @property
    def available(self) -> int:
        return self.balance - self.held


def state(account: Account) -> AccountState:
    account.refresh_from_db()
    return AccountState(account.balance, account.held)


def place_state(place: Place, unit: str = "ACH") -> AccountState:
    return state(place_account(place, unit))
