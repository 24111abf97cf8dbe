"""The demo's network of tiers-lieux: five places across the communes, what they offer, and three
months of bookings paid through the ledger's holds, plus bookings in the coming weeks.

The places, their hours, closures, resources, prices and managers are configuration, written with
the ORM as an operator would in the admin. Qualifications go through `qualification_grant`, every
booking through `booking_create` and its outcome through the booking services (check-in,
cancellation, no-show, the beat's settlement), so the ledger holds every hold and capture.

The past is played on the demo's clock (`demo_clock`): each past booking is made, checked in or
cancelled at a moment of the last three months, as transaction_post's `at` dates the story's
transfers, so a booking's hold is created, and captured, when the member would have.

Running it again adds nothing: configuration is looked up by name, the bookings are made once (the
last booking written, DONE_KEY, marks them made).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError
from currency.models import Comptoir
from demo.currency import convert
from members.models import Commune, Member
from places.availability import seats_free_for
from places.models import (
    Booking,
    MemberQualification,
    OpeningException,
    OpeningRule,
    PassOffer,
    Place,
    PlaceManager,
    Plan,
    PlanAllowance,
    Qualification,
    Resource,
    ResourcePrice,
)
from places.openings import Interval, local_zone, opening_intervals, wall_instant
from places.services import (
    booking_cancel,
    booking_check_in,
    booking_create,
    booking_mark_no_show,
    bookings_settle_due,
    qualification_grant,
)
from places.services.carnets import carnet_buy

SEED = 20261206
PAST_DAYS = 91  # three months of bookings
UPCOMING_DAYS = 21  # and the coming three weeks
DONE_KEY = "demo:places:v1:done"

MON, TUE, WED, THU, FRI, SAT = range(6)
WEEKDAYS = (MON, TUE, WED, THU, FRI)
# How busy a weekday is, relative to the busiest (mid-week, as the study of demand found).
DEMAND_BY_WEEKDAY = {MON: 0.55, TUE: 0.85, WED: 1.0, THU: 0.95, FRI: 0.6, SAT: 0.45, 6: 0.0}
# The resources' `demand` below, scaled so that the demo stays a few hundred bookings (seed_demo
# runs in `make run` and in the tests): raise it for a busier network.
DEMAND_SCALE = 0.4


@dataclass(frozen=True)
class DemoResource:
    name: str
    kind: str
    capacity: int = 1
    step: int = 60
    min_minutes: int = 60
    max_minutes: int = 600
    buffer: int = 0
    cancel_hours: int = 24
    fee_percent: int = 50
    prices: dict[str, int] = field(default_factory=dict)  # unit → minor units per step
    members_only: bool = True
    qualification: str = ""
    parent: str = ""
    description: str = ""
    # Bookings per open day on the busiest weekday, and their usual lengths (minutes).
    demand: float = 0.0
    lengths: tuple[int, ...] = (60,)
    seats: tuple[int, int] = (1, 1)  # the fewest and most seats one booking takes


@dataclass(frozen=True)
class DemoPlace:
    name: str
    kinds: list[str]
    commune: str
    address: str
    latitude: str
    longitude: str
    description: str
    phone: str
    email: str
    services: list[str]
    units: list[str]
    managers: list[str]
    hours: list[tuple[tuple[int, ...], str, str]]  # weekdays, opens, closes (local wall time)
    resources: list[DemoResource]
    qualifications: dict[str, list[str]] = field(default_factory=dict)  # name → trained members
    bookers: list[str] = field(default_factory=list)
    website: str = ""
    step_free_access: bool = True
    accessible_toilets: bool = True


PLACES = [
    DemoPlace(
        name="Le Cowork des Achards",
        kinds=["coworking"],
        commune="Les Achards",
        address="14 rue Georges-Clemenceau, 85150 Les Achards",
        latitude="46.616910",
        longitude="-1.657820",
        description="Un open space de huit postes, deux bureaux fermés, une salle de réunion et un coin café, "
        "à deux pas de la place de la mairie. Comptoir de change du lundi au vendredi.",
        phone="02 51 00 10 02",
        email="bonjour@cowork-achards.example",
        website="https://cowork-achards.example",
        services=["wifi", "printer", "video_conference", "kitchen", "parking", "bike_parking", "lockers"],
        units=["ACH", "EUR"],
        managers=["cowork", "gabriel"],
        hours=[(WEEKDAYS, "08:30", "19:00"), ((THU,), "19:00", "21:30"), ((SAT,), "09:00", "12:30")],
        resources=[
            DemoResource(
                "L'open space entier",
                "room",
                step=60,
                min_minutes=120,
                max_minutes=630,
                buffer=30,
                cancel_hours=72,
                fee_percent=50,
                prices={"ACH": 1000},
                description="Les huit postes à la fois, pour une formation ou un atelier.",
                demand=0.05,
                lengths=(240,),
            ),
            DemoResource(
                "Postes en open space",
                "desk",
                capacity=8,
                step=60,
                min_minutes=60,
                max_minutes=630,
                cancel_hours=12,
                fee_percent=25,
                prices={"ACH": 150},
                parent="L'open space entier",
                description="Un poste dans l'open space : écran, Wi-Fi, café.",
                demand=1.6,
                lengths=(240, 300, 480, 630),
                seats=(1, 3),
            ),
            DemoResource(
                "Bureau du Lavoir",
                "office",
                step=60,
                min_minutes=60,
                max_minutes=630,
                buffer=15,
                cancel_hours=24,
                fee_percent=50,
                prices={"ACH": 300},
                description="Bureau fermé pour deux, lumineux, sur le jardin.",
                demand=0.6,
                lengths=(240, 480, 630),
            ),
            DemoResource(
                "Bureau du Moulin",
                "office",
                step=60,
                min_minutes=60,
                max_minutes=630,
                buffer=15,
                cancel_hours=24,
                fee_percent=50,
                prices={"ACH": 250},
                description="Bureau fermé pour une personne, idéal pour les appels.",
                demand=0.5,
                lengths=(240, 480),
            ),
            DemoResource(
                "Salle de réunion La Grange",
                "meeting_room",
                capacity=8,
                step=30,
                min_minutes=60,
                max_minutes=480,
                buffer=15,
                cancel_hours=48,
                fee_percent=50,
                prices={"ACH": 300},
                description="Huit places autour d'une grande table, écran et visioconférence.",
                demand=0.8,
                lengths=(90, 120, 180),
                seats=(4, 8),
            ),
        ],
        bookers=["camille", "gabriel", "jade", "arthur", "marius", "hugo", "louis", "lea", "cowork", "librairie"],
    ),
    DemoPlace(
        name="Fablab La Ruche",
        kinds=["fablab"],
        commune="Les Achards",
        address="9 rue des Sports, 85150 Les Achards",
        latitude="46.613540",
        longitude="-1.652170",
        description="Le fablab de l'association La Ruche : découpe laser, impression 3D, électronique. "
        "Les machines demandent une formation ; le repair café a lieu le premier samedi du mois.",
        phone="02 51 00 10 14",
        email="fablab@laruche.example",
        website="https://laruche-fablab.example",
        services=["wifi", "printer", "bike_parking"],
        units=["ACH", "HRS"],
        managers=["laruche", "hugo"],
        hours=[
            ((WED,), "14:00", "21:30"),
            ((THU, FRI), "14:00", "18:00"),
            ((SAT,), "10:00", "12:30"),
            ((SAT,), "13:30", "18:00"),
        ],
        qualifications={
            "Découpe laser": ["camille", "hugo", "lea", "arthur"],
            "Impression 3D": ["camille", "hugo", "louis", "jade", "arthur", "nathan", "rose"],
        },
        resources=[
            DemoResource(
                "Découpeuse laser",
                "machine",
                step=30,
                min_minutes=30,
                max_minutes=180,
                buffer=15,
                cancel_hours=24,
                fee_percent=50,
                prices={"ACH": 300, "HRS": 50},
                qualification="Découpe laser",
                description="Trotec 60 W, plateau 60 × 30 cm : bois, carton, acrylique.",
                demand=0.9,
                lengths=(60, 90, 120),
            ),
            DemoResource(
                "Imprimante 3D Prusa n° 1",
                "machine",
                step=60,
                min_minutes=60,
                max_minutes=480,
                cancel_hours=12,
                fee_percent=25,
                prices={"ACH": 150, "HRS": 25},
                qualification="Impression 3D",
                demand=0.8,
                lengths=(120, 180, 240),
            ),
            DemoResource(
                "Imprimante 3D Prusa n° 2",
                "machine",
                step=60,
                min_minutes=60,
                max_minutes=480,
                cancel_hours=12,
                fee_percent=25,
                prices={"ACH": 150, "HRS": 25},
                qualification="Impression 3D",
                demand=0.5,
                lengths=(120, 180, 240),
            ),
            DemoResource(
                "Poste électronique",
                "equipment",
                capacity=3,
                step=60,
                min_minutes=60,
                max_minutes=240,
                cancel_hours=2,
                fee_percent=0,
                prices={"HRS": 25},
                members_only=False,
                description="Fer à souder, oscilloscope, alimentation de labo.",
                demand=0.5,
                lengths=(120, 180),
                seats=(1, 2),
            ),
        ],
        bookers=["camille", "hugo", "lea", "arthur", "louis", "jade", "nathan", "rose", "tom", "emma"],
    ),
    DemoPlace(
        name="Le Café des Landes",
        kinds=["cafe_associatif", "espace_associatif"],
        commune="Saint-Julien-des-Landes",
        address="1 rue du Lac, 85150 Saint-Julien-des-Landes",
        latitude="46.640560",
        longitude="-1.714410",
        description="Café associatif tenu par des bénévoles : jeux, concerts le vendredi soir. La salle du "
        "fond est prêtée aux associations contre des heures de la banque de temps.",
        phone="02 51 00 10 04",
        email="contact@cafe-des-landes.example",
        website="https://cafe-des-landes.example",
        services=["wifi", "kitchen", "parking", "child_friendly"],
        units=["HRS", "ACH"],
        managers=["cafe", "paul"],
        hours=[
            ((TUE, WED, THU), "10:00", "12:30"),
            ((TUE, WED, THU), "14:30", "19:00"),
            ((FRI,), "10:00", "12:30"),
            ((FRI,), "14:30", "23:00"),
            ((SAT,), "10:00", "18:00"),
        ],
        resources=[
            DemoResource(
                "Salle des associations",
                "room",
                step=60,
                min_minutes=60,
                max_minutes=300,
                buffer=30,
                cancel_hours=48,
                fee_percent=50,
                prices={"HRS": 100},
                description="Vingt chaises, un vidéoprojecteur et la cuisine à côté.",
                demand=0.6,
                lengths=(120, 180, 240),
            ),
            DemoResource(
                "Petit salon",
                "meeting_room",
                capacity=6,
                step=60,
                min_minutes=60,
                max_minutes=240,
                cancel_hours=24,
                fee_percent=0,
                prices={"HRS": 100, "ACH": 400},
                members_only=False,
                description="Six fauteuils au calme, pour une réunion de bureau.",
                demand=0.4,
                lengths=(60, 120),
                seats=(3, 6),
            ),
        ],
        bookers=["cafe", "laruche", "paul", "rose", "lina", "louise", "victor", "ines", "maelys"],
    ),
    DemoPlace(
        name="L'Atelier partagé de la Guérinière",
        kinds=["atelier_partage"],
        commune="Saint-Georges-de-Pointindoux",
        address="La Guérinière, 85150 Saint-Georges-de-Pointindoux",
        latitude="46.642970",
        longitude="-1.626640",
        description="Un atelier bois partagé dans l'ancienne grange de la menuiserie : établis, outillage "
        "à emprunter, conseils des menuisiers le samedi matin.",
        phone="02 51 00 10 09",
        email="atelier@menuiserie-bonnin.example",
        services=["parking", "lockers"],
        units=["ACH", "HRS"],
        managers=["menuiserie", "nathan"],
        hours=[
            ((MON, WED), "14:00", "19:00"),
            ((THU,), "14:00", "21:00"),
            ((SAT,), "09:00", "12:00"),
            ((SAT,), "14:00", "18:00"),
        ],
        qualifications={"Sécurité machines à bois": ["nathan", "raphael", "tom", "chloe"]},
        step_free_access=True,
        accessible_toilets=False,
        resources=[
            DemoResource(
                "Établis",
                "equipment",
                capacity=4,
                step=60,
                min_minutes=60,
                max_minutes=300,
                cancel_hours=12,
                fee_percent=0,
                prices={"ACH": 200, "HRS": 50},
                description="Quatre établis avec presses et serre-joints.",
                demand=0.9,
                lengths=(180, 240, 300),
                seats=(1, 2),
            ),
            DemoResource(
                "Scie sur table",
                "machine",
                step=30,
                min_minutes=30,
                max_minutes=120,
                buffer=15,
                cancel_hours=24,
                fee_percent=50,
                prices={"ACH": 300},
                qualification="Sécurité machines à bois",
                demand=0.3,
                lengths=(60, 90),
            ),
            DemoResource(
                "Caisse à outils à emprunter",
                "equipment",
                capacity=3,
                step=60,
                min_minutes=60,
                max_minutes=300,
                cancel_hours=2,
                fee_percent=0,
                prices={"ACH": 50},
                members_only=False,
                description="Visseuse, scie sauteuse, ponceuse, niveau : à emporter pendant l'ouverture.",
                demand=0.3,
                lengths=(180, 300),
            ),
        ],
        bookers=["nathan", "raphael", "tom", "chloe", "menuiserie", "zoe", "adam", "alice", "jules"],
    ),
    DemoPlace(
        name="Espace numérique de Beaulieu",
        kinds=["espace_public_numerique"],
        commune="Beaulieu-sous-la-Roche",
        address="2 place de la Mairie, 85190 Beaulieu-sous-la-Roche",
        latitude="46.677230",
        longitude="-1.611680",
        description="Ordinateurs en libre accès, aide aux démarches en ligne le mardi, ateliers pour "
        "débuter. Une petite salle de formation à réserver.",
        phone="02 51 00 10 20",
        email="numerique@beaulieu.example",
        services=["wifi", "printer"],
        units=["ACH", "EUR"],
        managers=["ines"],
        hours=[
            ((TUE,), "14:00", "18:00"),
            ((WED,), "09:00", "12:00"),
            ((WED,), "14:00", "18:00"),
            ((THU,), "14:00", "19:30"),
            ((FRI, SAT), "09:00", "12:00"),
        ],
        resources=[
            DemoResource(
                "Ordinateurs",
                "desk",
                capacity=4,
                step=30,
                min_minutes=30,
                max_minutes=120,
                cancel_hours=1,
                fee_percent=0,
                prices={"ACH": 0},
                members_only=False,
                description="Quatre ordinateurs avec imprimante et scanner, gratuits.",
                demand=1.2,
                lengths=(60, 90, 120),
                seats=(1, 2),
            ),
            DemoResource(
                "Salle de formation",
                "room",
                step=60,
                min_minutes=60,
                max_minutes=180,
                buffer=15,
                cancel_hours=24,
                fee_percent=50,
                prices={"ACH": 300},
                description="Huit places, un écran, pour un atelier ou une formation.",
                demand=0.4,
                lengths=(120, 180),
            ),
        ],
        bookers=["ines", "tom", "zoe", "victor", "louise", "emma", "anna", "nathan"],
    ),
]


# --- public holidays ------------------------------------------------------------------------------


def easter(year: int) -> dt.date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month = (h + leap - 7 * m + 114) // 31
    day = (h + leap - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def public_holidays(year: int) -> dict[dt.date, str]:
    """France's public holidays of `year`."""
    sunday = easter(year)
    return {
        dt.date(year, 1, 1): "Jour de l'an",
        sunday + dt.timedelta(days=1): "Lundi de Pâques",
        dt.date(year, 5, 1): "Fête du Travail",
        dt.date(year, 5, 8): "Victoire 1945",
        sunday + dt.timedelta(days=39): "Ascension",
        sunday + dt.timedelta(days=50): "Lundi de Pentecôte",
        dt.date(year, 7, 14): "Fête nationale",
        dt.date(year, 8, 15): "Assomption",
        dt.date(year, 11, 1): "Toussaint",
        dt.date(year, 11, 11): "Armistice 1918",
        dt.date(year, 12, 25): "Noël",
    }


def holidays_between(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    found: dict[dt.date, str] = {}
    for year in range(first.year, last.year + 1):
        found |= {day: name for day, name in public_holidays(year).items() if first <= day <= last}
    return found


# --- the clock --------------------------------------------------------------------------------------


@contextlib.contextmanager
def demo_clock(moment: dt.datetime) -> Iterator[None]:
    """Run the services as if it were `moment`: the ledger's holds and captures are dated then and
    checked against it (a booking's hold expires a few days after its end, so a hold made three
    months ago must be made on that day's clock). The embedded demo's seeding only: one thread."""
    real_now = timezone.now
    setattr(timezone, "now", lambda: moment)  # noqa: B010 — a module attribute, swapped back below
    try:
        yield
    finally:
        setattr(timezone, "now", real_now)  # noqa: B010


# --- configuration ----------------------------------------------------------------------------------


def _minutes(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def seed_place(demo: DemoPlace, *, members: dict[str, Member], admin: Any, now: dt.datetime) -> Place:
    """The place, its hours, holidays, resources, prices, managers and qualifications (each once)."""
    commune = Commune.objects.get(name=demo.commune)
    place, _created = Place.objects.get_or_create(
        name=demo.name,
        defaults={
            "kinds": demo.kinds,
            "commune": commune,
            "address": demo.address,
            "latitude": Decimal(demo.latitude),
            "longitude": Decimal(demo.longitude),
            "description": demo.description,
            "email": demo.email,
            "phone": demo.phone,
            "website": demo.website,
            "step_free_access": demo.step_free_access,
            "accessible_toilets": demo.accessible_toilets,
            "services": demo.services,
            "units": demo.units,
            "created_at": now - dt.timedelta(days=PAST_DAYS + 30),
        },
    )
    if not place.opening_rules.exists():
        OpeningRule.objects.bulk_create(
            OpeningRule(place=place, weekday=weekday, opens=_minutes(opens), closes=_minutes(closes))
            for weekdays, opens, closes in demo.hours
            for weekday in weekdays
        )
    today = timezone.localdate(now)
    for day, name in holidays_between(today - dt.timedelta(days=PAST_DAYS + 7), today + dt.timedelta(days=90)).items():
        OpeningException.objects.get_or_create(
            place=place,
            resource=None,
            date=day,
            kind=OpeningException.Kind.CLOSURE,
            defaults={"reason": f"Fermé : {name}"},
        )
    for username in demo.managers:
        PlaceManager.objects.get_or_create(place=place, member=members[username])
    qualifications = {
        name: Qualification.objects.get_or_create(place=place, name=name)[0] for name in demo.qualifications
    }
    resources: dict[str, Resource] = {}
    for spec in demo.resources:
        resource, _created = Resource.objects.get_or_create(
            place=place,
            name=spec.name,
            defaults={
                "kind": spec.kind,
                "capacity": spec.capacity,
                # Desks and tools are booked one by one; rooms and machines whole, for their capacity in people.
                "shared": spec.kind in ("desk", "equipment") and spec.capacity > 1,
                "step_minutes": spec.step,
                "min_minutes": spec.min_minutes,
                "max_minutes": spec.max_minutes,
                "horizon_days": 90,
                "buffer_minutes": spec.buffer,
                "cancel_deadline_hours": spec.cancel_hours,
                "late_cancel_fee_percent": spec.fee_percent,
                "members_only": spec.members_only,
                "qualification": qualifications.get(spec.qualification),
                "parent": resources.get(spec.parent),
                "description": spec.description,
            },
        )
        resources[spec.name] = resource
        for unit, amount in spec.prices.items():
            ResourcePrice.objects.get_or_create(resource=resource, unit=unit, defaults={"amount": amount})
    manager = members[demo.managers[0]].user
    for name, usernames in demo.qualifications.items():
        trained = set(
            MemberQualification.objects.filter(qualification=qualifications[name]).values_list(
                "member__user__username", flat=True
            )
        )
        for username in usernames:
            if username not in trained:
                qualification_grant(qualification=qualifications[name], member=members[username], actor=manager)
    return place


# --- bookings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wish:
    """A booking someone wants: who, what, when; the outcome decides what happens to it next."""

    key: str
    resource: Resource
    member: Member
    start: dt.datetime
    end: dt.datetime
    seats: int
    unit: str
    booked_at: dt.datetime
    outcome: str  # "attend", "checked_in", "cancel", "late_cancel", "no_show", "upcoming"


def _fits(openings: list[Interval], start: dt.datetime, end: dt.datetime) -> bool:
    return any(opening.start <= start and end <= opening.end for opening in openings)


def _wishes_for_day(
    rng: random.Random,
    place: Place,
    demo: DemoPlace,
    resources: dict[str, Resource],
    members: dict[str, Member],
    day: dt.date,
    openings: list[Interval],
    *,
    upcoming: bool,
    now: dt.datetime,
) -> list[tuple[DemoResource, Resource, Member, dt.datetime, dt.datetime, int]]:
    found = []
    weight = DEMAND_BY_WEEKDAY[day.weekday()] * DEMAND_SCALE * (0.5 if upcoming else 1.0)
    for spec in demo.resources:
        resource = resources[spec.name]
        expected = spec.demand * weight
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        for _ in range(count):
            if not openings:
                break
            window = rng.choice(openings)
            minutes = min(rng.choice(spec.lengths), spec.max_minutes)
            steps_in_window = int((window.end - window.start).total_seconds() // 60 - minutes) // spec.step
            if steps_in_window < 0:
                continue
            start = window.start + dt.timedelta(minutes=spec.step * rng.randint(0, steps_in_window))
            end = start + dt.timedelta(minutes=minutes)
            if upcoming and start < now + dt.timedelta(hours=2):
                continue
            seats = rng.randint(*spec.seats)
            found.append((spec, resource, members[rng.choice(demo.bookers)], start, end, seats))
    return found


def booking_wishes(
    *, places: list[tuple[DemoPlace, Place]], members: dict[str, Member], now: dt.datetime
) -> list[Wish]:
    """Three months of wishes and three weeks to come, the same for the same day of seeding."""
    rng = random.Random(SEED)
    zone = local_zone()
    today = timezone.localdate(now)
    first, last = today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(days=UPCOMING_DAYS)
    wishes: list[Wish] = []
    for demo, place in places:
        resources = {r.name: r for r in place.resources.all()}
        all_openings = opening_intervals(place, wall_instant(first, dt.time(0)), wall_instant(last, dt.time(0)))
        by_day: dict[dt.date, list[Interval]] = {}
        for opening in all_openings:
            by_day.setdefault(opening.start.astimezone(zone).date(), []).append(opening)
        for day, openings in sorted(by_day.items()):
            upcoming = day >= today
            for spec, resource, member, start, end, seats in _wishes_for_day(
                rng, place, demo, resources, members, day, openings, upcoming=upcoming, now=now
            ):
                if not upcoming and end > now:
                    continue
                unit = rng.choice(sorted(spec.prices))
                if upcoming:
                    booked_at, outcome = now, "upcoming"
                else:
                    booked_at = start - dt.timedelta(hours=rng.choice([3, 20, 30, 50, 75, 120, 200]))
                    roll = rng.random()
                    outcome = (
                        "checked_in"
                        if roll < 0.55
                        else "attend"
                        if roll < 0.82
                        else "cancel"
                        if roll < 0.92
                        else "late_cancel"
                        if roll < 0.96
                        else "no_show"
                    )
                wishes.append(
                    Wish(
                        key=f"demo:places:booking:{place.pk}:{resource.pk}:{start:%Y%m%dT%H%M}:{len(wishes)}",
                        resource=resource,
                        member=member,
                        start=start,
                        end=end,
                        seats=seats,
                        unit=unit,
                        booked_at=booked_at,
                        outcome=outcome,
                    )
                )
    return sorted(wishes, key=lambda wish: (wish.booked_at, wish.key))


def _book(wish: Wish) -> Booking | None:
    """Make the booking on the clock of the moment it was made; None when it cannot be (the slot
    was taken, the member short of funds): that member simply did not book."""
    try:
        with demo_clock(wish.booked_at):
            return booking_create(
                resource=wish.resource,
                member=wish.member,
                start=wish.start,
                end=wish.end,
                seats=wish.seats,
                unit=wish.unit,
                actor=wish.member.user,
                idempotency_key=wish.key,
                now=wish.booked_at,
            )
    except ApplicationError:
        return None


def _follow_up_moment(wish: Wish) -> dt.datetime | None:
    """When what happened next happened: a check-in, a cancellation in time or too late, a no-show."""
    if wish.outcome == "checked_in":
        return wish.start + dt.timedelta(minutes=5)
    if wish.outcome == "cancel":
        deadline = wish.start - dt.timedelta(hours=wish.resource.cancel_deadline_hours)
        moment = min(wish.booked_at + (wish.start - wish.booked_at) / 4, deadline - dt.timedelta(minutes=30))
        return moment if moment > wish.booked_at else None
    if wish.outcome == "late_cancel":
        moment = wish.start - dt.timedelta(minutes=45)
        return moment if moment > wish.booked_at else None
    if wish.outcome == "no_show":
        return wish.start + dt.timedelta(minutes=40)
    return None


def _follow_up(booking: Booking, wish: Wish, manager: Any, moment: dt.datetime) -> None:
    with contextlib.suppress(ApplicationError), demo_clock(moment):
        if wish.outcome == "checked_in":
            booking_check_in(booking=booking, actor=manager, now=moment)
        elif wish.outcome == "cancel":
            booking_cancel(booking=booking, actor=wish.member.user, reason="Empêchement", now=moment)
        elif wish.outcome == "late_cancel":
            booking_cancel(booking=booking, actor=wish.member.user, reason="Imprévu", now=moment)
        elif wish.outcome == "no_show":
            booking_mark_no_show(booking=booking, actor=manager, now=moment)


BEAT_AT = dt.time(23, 30)  # the settlement beat, played once a night over the past


def seed_bookings(*, places: list[tuple[DemoPlace, Place]], members: dict[str, Member], now: dt.datetime) -> int:
    """Three months of bookings and what followed, in the order it happened (the nightly beat
    settling what ended), then the bookings of the coming weeks. Returns how many were made."""
    managers = {place.pk: members[demo.managers[0]].user for demo, place in places}
    wishes = booking_wishes(places=places, members=members, now=now)
    # The timeline: (moment, order, index) — bookings first at a tie, then what follows, then the beat.
    timeline: list[tuple[dt.datetime, int, int]] = []
    for index, wish in enumerate(wishes):
        timeline.append((wish.booked_at, 0, index))
        moment = _follow_up_moment(wish)
        if moment is not None and wish.outcome != "upcoming":
            timeline.append((moment, 1, index))
    today = timezone.localdate(now)
    day = today - dt.timedelta(days=PAST_DAYS)
    while day < today:
        timeline.append((wall_instant(day, BEAT_AT), 2, -1))
        day += dt.timedelta(days=1)
    made: dict[int, Booking] = {}
    for moment, order, index in sorted(timeline, key=lambda event: (event[0], event[1], event[2])):
        if order == 2:
            with demo_clock(moment):
                bookings_settle_due(now=moment)
            continue
        wish = wishes[index]
        if order == 0:
            booking = _book(wish)
            if booking is not None:
                made[index] = booking
        elif index in made:
            _follow_up(made[index], wish, managers[wish.resource.place_id], moment)
    # The beat of today, on the real clock.
    bookings_settle_due(now=now)
    return len(made)


TOP_UP_EUROS = 100


def _top_up(
    *, places: list[tuple[DemoPlace, Place]], members: dict[str, Member], comptoirs: list[Comptoir], now: dt.datetime
) -> None:
    """The network's regulars change euros into ACH at a comptoir before the three months begin."""
    at = now - dt.timedelta(days=PAST_DAYS + 2)
    bookers = sorted({username for demo, _place in places for username in demo.bookers})
    for index, username in enumerate(bookers):
        comptoir = comptoirs[index % len(comptoirs)]
        with contextlib.suppress(ApplicationError):
            convert(
                comptoir=comptoir,
                member=members[username],
                euros=Money(TOP_UP_EUROS + 10 * (index % 5), "EUR"),
                staff=comptoir.staff.order_by("pk").first(),
                key=f"demo:places:top-up:{username}",
                at=at.replace(hour=10 + index % 7),
            )


@contextlib.contextmanager
def sqlite_commits_unsynced() -> Iterator[None]:
    """On the embedded SQLite database, commits without waiting for the disk while the demo is
    written (seed_demo wraps the whole seeding: some two thousand transactions, each about 20 ms of
    fsync on a slow disk). A crash while seeding loses the demo, which is seeded again; nothing else
    runs meanwhile. Nested, the inner one restores what the outer one set."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous = {int(previous)}")


def bookings_made() -> bool:
    return Booking.objects.filter(idempotency_key=DONE_KEY).exists()


def seed_places(*, admin: Any, members: dict[str, Member], comptoirs: list[Comptoir], now: dt.datetime) -> None:
    """The network (once) and its bookings (once: the last booking written marks them made)."""
    places = [(demo, seed_place(demo, members=members, admin=admin, now=now)) for demo in PLACES]
    if bookings_made():
        return
    with sqlite_commits_unsynced():
        _top_up(places=places, members=members, comptoirs=comptoirs, now=now)
        seed_bookings(places=places, members=members, now=now)
        # After the past bookings (played on the demo's clock): a carnet bought today pays no past day.
        seed_passes(places=places, members=members, comptoirs=comptoirs, now=now)
        _mark_done(places=places, members=members, now=now)


def seed_passes(
    *, places: list[tuple[DemoPlace, Place]], members: dict[str, Member], comptoirs: list[Comptoir], now: dt.datetime
) -> None:
    """A few plans and carnets (issue 21): the cowork's monthly "Résident" plan and its "Carnet 10
    jours", the network's day pass; camille buys a carnet (through the service: price and credits
    posted). Safe twice: rows found by name, the purchase by its key."""
    _demo, cowork = places[0]
    plan, created = Plan.objects.get_or_create(
        place=cowork,
        name="Résident",
        defaults={
            "unit": "ACH",
            "price": 9000,
            "description": "Un poste en open space dix jours par mois et quatre heures de salle de réunion.",
        },
    )
    if created:
        PlanAllowance.objects.create(plan=plan, resource_kind="meeting_room", unit="CRH", amount=400)
        PlanAllowance.objects.create(plan=plan, resource_kind="desk", unit="CRJ", amount=1000)
    offer, _created = PassOffer.objects.get_or_create(
        place=cowork,
        name="Carnet 10 jours",
        defaults={
            "unit": "CRJ",
            "quantity": 1000,
            "price_unit": "ACH",
            "price": 10000,
            "validity_days": 180,
            "resource_kind": "desk",
        },
    )
    PassOffer.objects.get_or_create(
        place=None,
        name="Pass journée réseau",
        defaults={"unit": "CRJ", "quantity": 100, "price_unit": "ACH", "price": 1200, "validity_days": 30},
    )
    camille = members["camille"]
    with contextlib.suppress(ApplicationError):  # short of ACH: the demo goes on without her carnet
        # She changes the carnet's price into ACH at a comptoir the day before.
        convert(
            comptoir=comptoirs[0],
            member=camille,
            euros=Money(100, "EUR"),
            staff=comptoirs[0].staff.order_by("pk").first(),
            key="demo:places:carnet:camille:top-up",
            at=now - dt.timedelta(days=1),
        )
        carnet_buy(
            offer=offer, member=camille, actor=camille.user, idempotency_key="demo:places:carnet:camille", now=now
        )
        # Her next desk day, paid with a day of it (held until she checks in: "9 jours restants").
        desks = cowork.resources.get(name="Postes en open space")
        # From midnight two days on, whatever the hour now: an opening clipped at `now`'s minute
        # would start off the resource's steps, and a short one cannot hold four hours.
        day = wall_instant(timezone.localdate(now) + dt.timedelta(days=2), dt.time(0))
        openings = opening_intervals(cowork, day, day + dt.timedelta(days=7), resource=desks)
        four_hours = dt.timedelta(hours=4)
        start = next(
            (
                o.start
                for o in openings
                if o.end - o.start >= four_hours and seats_free_for(desks, o.start, o.start + four_hours)
            ),
            None,
        )
        if start is None:
            return
        booking_create(
            resource=desks,
            member=camille,
            start=start,
            end=start + dt.timedelta(hours=4),
            actor=camille.user,
            idempotency_key="demo:places:carnet:camille:desk",
            now=now,
        )


def _mark_done(*, places: list[tuple[DemoPlace, Place]], members: dict[str, Member], now: dt.datetime) -> None:
    # The mark, written last: camille's free computer at Beaulieu next week (free, so never short of funds).
    _demo, epn = places[-1]
    computers = epn.resources.get(name="Ordinateurs")
    # From midnight a week on, whatever the hour now (an opening clipped at `now` may start off its steps).
    week_on = wall_instant(timezone.localdate(now) + dt.timedelta(days=7), dt.time(0))
    openings = opening_intervals(epn, week_on, week_on + dt.timedelta(days=7), resource=computers)
    hour = dt.timedelta(hours=1)
    start = next(
        o.start for o in openings if o.end - o.start >= hour and seats_free_for(computers, o.start, o.start + hour)
    )
    booking_create(
        resource=computers,
        member=members["camille"],
        start=start,
        end=start + dt.timedelta(hours=1),
        unit="ACH",
        actor=members["camille"].user,
        idempotency_key=DONE_KEY,
        now=now,
    )
