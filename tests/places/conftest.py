"""The small network the places tests share.

`network` builds, without any booking:

- **Le Bocal** (coworking, Les Achards; Wi-Fi, printer, video-conference; ACH and HRS), open
  Monday to Friday 09:00–18:00 in Paris wall time, with:
  - `open_space`: desks, capacity 6, step 60 min (min 60, max 600), 3.00 ACH or 1.00 HRS a step;
  - `meeting_room`: capacity 8 people, booked whole (not shared), step 30 min (min 60, max 480), 15 min buffer after a
    booking, 10.00 ACH a step.
- **Fablab du Bocage** (fablab, Martinet; Wi-Fi; ACH), open Tuesday to Saturday 10:00–19:00, with a
  qualification `laser_training` and:
  - `workshop`: the whole workshop (room, capacity 1, step 60), parent of
  - `laser`: the laser cutter (machine, capacity 1, step 30, min 30, needs `laser_training`,
    4.50 ACH a step).
- **Café en travaux** (café associatif, Le Girouard), not public: never listed, with one active
  resource `hidden_room`, open every day 08:00–20:00.

Bookings are rows written by `make_booking` (no hold): availability reads only their times and
seats; the booking service and its money are tested with their own fixtures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from members.models import Commune, Member
from places.models import (
    Booking,
    OpeningRule,
    Place,
    PlaceKind,
    PlaceService,
    Qualification,
    Resource,
    ResourceKind,
    ResourcePrice,
)
from tests.factories import MemberFactory

PARIS = ZoneInfo("Europe/Paris")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware instant in Paris wall time (as a visitor types it)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


@dataclass
class Network:
    coworking: Place
    fablab: Place
    hidden: Place
    open_space: Resource
    meeting_room: Resource
    workshop: Resource
    laser: Resource
    hidden_room: Resource
    laser_training: Qualification


def weekly(place: Place, weekdays: range, opens: dt.time, closes: dt.time) -> None:
    OpeningRule.objects.bulk_create(
        OpeningRule(place=place, weekday=day, opens=opens, closes=closes) for day in weekdays
    )


def priced(resource: Resource, **amounts: int) -> Resource:
    """`priced(resource, ACH=300)`: the price of one step in minor units, per unit."""
    ResourcePrice.objects.bulk_create(ResourcePrice(resource=resource, unit=u, amount=a) for u, a in amounts.items())
    return resource


@pytest.fixture
def network(db) -> Network:
    achards = Commune.objects.get(name="Les Achards")
    martinet = Commune.objects.get(name="Martinet")
    girouard = Commune.objects.get(name="Le Girouard")
    coworking = Place.objects.create(
        name="Le Bocal",
        kinds=[PlaceKind.COWORKING],
        commune=achards,
        address="12 rue Georges-Clemenceau, 85150 Les Achards",
        latitude="46.616700",
        longitude="-1.649200",
        services=[PlaceService.WIFI, PlaceService.PRINTER, PlaceService.VIDEO],
        units=["ACH", "HRS"],
        step_free_access=True,
    )
    weekly(coworking, range(0, 5), dt.time(9), dt.time(18))
    fablab = Place.objects.create(
        name="Fablab du Bocage",
        kinds=[PlaceKind.FABLAB],
        commune=martinet,
        address="3 place de l'Église, 85150 Martinet",
        latitude="46.660300",
        longitude="-1.676400",
        services=[PlaceService.WIFI],
        units=["ACH"],
    )
    weekly(fablab, range(1, 6), dt.time(10), dt.time(19))
    hidden = Place.objects.create(
        name="Café en travaux",
        kinds=[PlaceKind.CAFE],
        commune=girouard,
        address="1 rue du Centre, 85150 Le Girouard",
        latitude="46.614000",
        longitude="-1.658000",
        units=["ACH"],
        public=False,
    )
    weekly(hidden, range(0, 7), dt.time(8), dt.time(20))
    laser_training = Qualification.objects.create(place=fablab, name="Découpe laser")
    open_space = priced(
        Resource.objects.create(
            place=coworking, name="Open space", kind=ResourceKind.DESK, capacity=6, shared=True, max_minutes=600
        ),
        ACH=300,
        HRS=100,
    )
    meeting_room = priced(
        Resource.objects.create(
            place=coworking,
            name="Salle de réunion",
            kind=ResourceKind.MEETING_ROOM,
            capacity=8,
            step_minutes=30,
            min_minutes=60,
            max_minutes=480,
            buffer_minutes=15,
            description="8 personnes, écran.",
        ),
        ACH=1000,
    )
    workshop = priced(Resource.objects.create(place=fablab, name="Atelier", kind=ResourceKind.ROOM), ACH=2000)
    laser = priced(
        Resource.objects.create(
            place=fablab,
            name="Découpeuse laser",
            kind=ResourceKind.MACHINE,
            parent=workshop,
            step_minutes=30,
            min_minutes=30,
            max_minutes=240,
            qualification=laser_training,
        ),
        ACH=450,
    )
    hidden_room = Resource.objects.create(place=hidden, name="Salle", kind=ResourceKind.ROOM)
    return Network(coworking, fablab, hidden, open_space, meeting_room, workshop, laser, hidden_room, laser_training)


@pytest.fixture
def booker(db) -> Member:
    """The member whose rows `make_booking` writes."""
    return MemberFactory(username="reservante")


@pytest.fixture
def make_booking(booker: Member) -> Callable[..., Booking]:
    """`make_booking(resource, start, end, seats=1, status=CONFIRMED)`: a booking row, no money."""

    def make(
        resource: Resource,
        start: dt.datetime,
        end: dt.datetime,
        seats: int = 1,
        status: str = Booking.Status.CONFIRMED,
    ) -> Booking:
        return Booking.objects.create(
            resource=resource,
            member=booker,
            start=start,
            end=end,
            blocks_until=end + dt.timedelta(minutes=resource.buffer_minutes),
            seats=seats,
            exclusive=not resource.shared or seats >= resource.capacity,
            status=status,
            unit="ACH",
            price=0,
        )

    return make
