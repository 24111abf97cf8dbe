"""Public reads: the directory of places that accept ACH, and the transparency figures.

Nothing here needs a login, so nothing here may reveal a person: the directory lists only
businesses and associations that chose to appear in it, and the figures are aggregates.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from ledger import selectors as ledger_selectors
from ledger.models import Account
from ledger.units import UnitKind, all_units
from members.models import Commune, Member

DIRECTORY_KINDS = (Member.Kind.BUSINESS, Member.Kind.ASSOCIATION)

PAYMENTS_UNIT = settings.BOCAGE_LOCAL_UNIT
HOURS_UNIT = "HRS"
MONTHS = 12


# --- directory --------------------------------------------------------------------------------


def directory(
    *, commune: Commune | int | None = None, activity: str | None = None, q: str | None = None
) -> QuerySet[Member]:
    """Active businesses and associations that chose to appear in the public directory.

    Each carries `public_address` and `public_phone`: its address and phone where it chose to show
    them, "" otherwise; the pages and the API show only these, and the text search matches only them.
    """
    members = (
        Member.objects.select_related("commune")
        .filter(kind__in=DIRECTORY_KINDS, in_directory=True, status=Member.Status.ACTIVE)
        .annotate(
            public_address=Case(
                When(directory_shows_address=True, then=F("address")), default=Value(""), output_field=CharField()
            ),
            public_phone=Case(
                When(directory_shows_phone=True, then=F("phone")), default=Value(""), output_field=CharField()
            ),
        )
    )
    if commune is not None:
        members = members.filter(commune=commune)
    if activity:
        members = members.filter(activity__iexact=activity.strip())
    if q and q.strip():
        text = q.strip()
        members = members.filter(
            Q(display_name__icontains=text)
            | Q(activity__icontains=text)
            | Q(description__icontains=text)
            | Q(public_address__icontains=text)
            | Q(commune__name__icontains=text)
        )
    return members.order_by("display_name", "id")


def directory_activities() -> list[str]:
    """The distinct activities of the directory, for its filter."""
    # Distinct in SQL: a few dozen activities, not a row per business of the directory.
    activities = directory().exclude(activity="").order_by().values_list("activity", flat=True).distinct()
    return sorted(activities, key=str.casefold)


def directory_communes() -> QuerySet[Commune]:
    return Commune.objects.order_by("name")


# --- transparency -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BackedUnitFigures:
    unit: str
    circulation: int  # minor units of the backed unit: −balance of its issuance account
    guarantee_fund: int  # minor units (cents) of euros in the guarantee fund

    @property
    def fully_backed(self) -> bool:
        return self.circulation == self.guarantee_fund


@dataclass(frozen=True)
class CommuneFigures:
    name: str
    postal_code: str
    members: int
    businesses: int


@dataclass(frozen=True)
class MonthFigures:
    month: datetime.date  # first day of the month
    payments: int  # ACH minor units paid between members
    payments_count: int
    hours: int  # HRS minor units (hundredths of an hour) exchanged


@dataclass(frozen=True)
class Seal:
    sealed_at: datetime.datetime
    hash: str
    last_transaction_id: int
    sequence: int = 0


@dataclass(frozen=True)
class TransparencyFigures:
    units: list[BackedUnitFigures]
    active_members: int
    businesses: int
    associations: int
    communes: list[CommuneFigures]
    monthly: list[MonthFigures]
    latest_seal: Seal | None
    generated_at: datetime.datetime = field(default_factory=timezone.now)


def backed_units() -> list[BackedUnitFigures]:
    """Per backed unit: the currency in circulation and the euros that guarantee it."""
    fund = ledger_selectors.system_balance(Account.SystemCode.GUARANTEE_FUND, "EUR")
    return [
        BackedUnitFigures(
            unit=unit.code,
            circulation=-ledger_selectors.system_balance(Account.SystemCode.ISSUANCE, unit.code),
            guarantee_fund=fund,
        )
        for unit in all_units().values()
        if unit.kind == UnitKind.BACKED
    ]


def commune_figures() -> list[CommuneFigures]:
    active = Q(members__status=Member.Status.ACTIVE)
    rows = Commune.objects.annotate(
        active_members=Count("members", filter=active),
        active_businesses=Count("members", filter=active & Q(members__kind=Member.Kind.BUSINESS)),
    ).order_by("name")
    return [
        CommuneFigures(
            name=row.name, postal_code=row.postal_code, members=row.active_members, businesses=row.active_businesses
        )
        for row in rows
    ]


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _months_back(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def monthly_figures(*, today: datetime.date | None = None, months: int = MONTHS) -> list[MonthFigures]:
    """Payments (ACH) and hours (HRS) between members, per month, the last `months` months (oldest first).

    A payment's volume is what its payees received: the sum of its positive entries on member accounts.
    """
    tz = ZoneInfo(settings.TIME_ZONE)
    current = _month_start(today or timezone.localdate())
    first = _months_back(current, months - 1)
    since = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    rows = ledger_selectors.member_payment_totals(units=[PAYMENTS_UNIT, HOURS_UNIT], since=since, tz=tz)
    totals: dict[tuple[datetime.date, str], tuple[int, int]] = {}
    for row in rows:
        month = row["month"]
        day = timezone.localtime(month, tz).date() if isinstance(month, datetime.datetime) else month
        totals[(day, row["unit"])] = (row["total"] or 0, row["transactions"])
    result = []
    for offset in range(months - 1, -1, -1):
        month = _months_back(current, offset)
        paid, count = totals.get((month, PAYMENTS_UNIT), (0, 0))
        hours, _count = totals.get((month, HOURS_UNIT), (0, 0))
        result.append(MonthFigures(month=month, payments=paid, payments_count=count, hours=hours))
    return result


def latest_seal() -> Seal | None:
    """The most recent ledger seal, to publish its hash (None before the first seal)."""
    seal = ledger_selectors.latest_seal()
    if seal is None:
        return None
    return Seal(
        sealed_at=seal.sealed_at, hash=seal.hash, last_transaction_id=seal.last_transaction_id, sequence=seal.sequence
    )


def transparency_figures(*, today: datetime.date | None = None) -> TransparencyFigures:
    """Every public figure of the currency: backing, members, monthly activity, latest seal."""
    active = Member.objects.filter(status=Member.Status.ACTIVE)
    counts = active.aggregate(
        total=Count("id"),
        businesses=Count("id", filter=Q(kind=Member.Kind.BUSINESS)),
        associations=Count("id", filter=Q(kind=Member.Kind.ASSOCIATION)),
    )
    return TransparencyFigures(
        units=backed_units(),
        active_members=counts["total"],
        businesses=counts["businesses"],
        associations=counts["associations"],
        communes=commune_figures(),
        monthly=monthly_figures(today=today),
        latest_seal=latest_seal(),
    )
