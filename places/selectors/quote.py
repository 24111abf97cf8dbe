"""What a booking would cost, and what would pay it: the member's credits first, then money.

`booking_quote` answers the lines a booking of `[start, end)` would have (read-only: it opens no
account, holds nothing). `credit_split` is the rule itself, a pure function of the credit
sources and their available balances: the quote calls it with the balances as read, and
`booking_create` (places.services.bookings) calls it again with the same accounts locked. The rule
(the order, the units, the rounding) is documented in places/services/booking_credits.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import InvalidInput
from ledger.models import Account
from ledger.units import get_unit
from members.models import Member
from places.errors import InvalidDuration, UnitNotAccepted
from places.models import Booking, Pass, PlanAllowance, Resource, Subscription
from places.openings import local_zone, to_utc
from places.selectors.passes import active_allowances, available_credits, usable_carnets

__all__ = [
    "CREDIT_DAY",
    "CREDIT_HOUR",
    "CreditSource",
    "Quote",
    "QuoteLine",
    "booking_interval",
    "booking_paid_with",
    "booking_price",
    "booking_quote",
    "credit_label",
    "credit_sources",
    "credit_split",
    "price_per_step",
]

CREDIT_HOUR = "CRH"
CREDIT_DAY = "CRJ"
# One credit (a day, an hour) in minor units (both units have 2 decimals).
ONE = 100

ALLOWANCE = "allowance"
CARNET = "carnet"
PRICE = "price"


@dataclass(frozen=True)
class CreditSource:
    """Something the member holds that may pay this booking: an allowance of an active plan or a
    carnet, with its ledger account (None while no credit was ever granted on it)."""

    source: str  # allowance | carnet
    unit: str
    account_id: int | None
    subscription: Subscription | None = None
    allowance: PlanAllowance | None = None
    carnet: Pass | None = None
    account: Account | None = None  # as read, without a lock

    @property
    def seller_place_id(self) -> int | None:
        if self.carnet is not None:
            return self.carnet.place_id
        assert self.subscription is not None
        return self.subscription.plan.place_id


@dataclass
class QuoteLine:
    source: str  # allowance | carnet | price
    label: str
    unit: str
    amount: int  # minor units
    credit: CreditSource | None = None


@dataclass
class Quote:
    lines: list[QuoteLine] = field(default_factory=list)
    money_unit: str = ""
    money_amount: int = 0  # minor units of money_unit: what the booking holds on the member's account

    @property
    def credit_lines(self) -> list[QuoteLine]:
        return [line for line in self.lines if line.source != PRICE]


def price_per_step(resource: Resource, unit: str | None) -> tuple[str, int]:
    """The unit and its price per step. Without `unit`, the resource's first price; a resource
    without any price is free in any unit the place accepts. Raises UnitNotAccepted."""
    prices = {price.unit: price.amount for price in resource.prices.all()}
    if unit is None:
        if prices:
            first = sorted(prices)[0]
            return first, prices[first]
        return (resource.place.units[0] if resource.place.units else settings.BOCAGE_LOCAL_UNIT), 0
    if unit in prices:
        return unit, prices[unit]
    if not prices and unit in resource.place.units:
        return unit, 0
    raise UnitNotAccepted(
        fields={"unit": [_("Accepted here: %(units)s.") % {"units": ", ".join(sorted(prices) or resource.place.units)}]}
    )


def booking_interval(start: dt.datetime, end: dt.datetime, seats: int) -> tuple[dt.datetime, dt.datetime]:
    """The checks every booking request shares (a member's, a guest's at the counter, a quote):
    aware times, at least one seat, the end after the start; returns `start` and `end` in UTC.
    Raises InvalidInput, InvalidDuration."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidInput(fields={"start": [_("Give the time with its offset.")]})
    if not isinstance(seats, int) or seats < 1:
        raise InvalidInput(fields={"seats": [_("At least one seat.")]})
    start, end = to_utc(start), to_utc(end)
    if end <= start:
        raise InvalidDuration(_("The end must come after the start."))
    return start, end


def booking_price(resource: Resource, start: dt.datetime, end: dt.datetime, seats: int, per_step: int) -> int:
    """The price in minor units: the price per step × the steps (a last partial step counts whole),
    × the seats on a shared resource (an open space's desks); a resource booked whole (a meeting
    room) costs the same for 2 people or 8."""
    minutes = int((to_utc(end) - to_utc(start)).total_seconds() // 60)
    steps = -(-minutes // resource.step_minutes)
    return per_step * steps * (seats if resource.shared else 1)


def credit_sources(member: Member | None, resource: Resource, on: dt.date) -> list[CreditSource]:
    """The member's credits usable on `resource` for a booking starting on local day `on`, in the
    order they are spent: the allowances of the active plans whose paid period covers `on`
    (places.selectors.passes.active_allowances), then the carnets valid on `on`, the one expiring
    first first (usable_carnets). Only credits in CRH or CRJ."""
    if member is None:
        return []
    sources = [
        CreditSource(
            source=ALLOWANCE,
            unit=allowance.unit,
            account_id=account.pk,
            subscription=subscription,
            allowance=allowance,
            account=account,
        )
        for subscription, allowance, account in active_allowances(member, resource, on)
        if allowance.unit in (CREDIT_HOUR, CREDIT_DAY)
    ]
    sources += [
        CreditSource(source=CARNET, unit=carnet.unit, account_id=account.pk, carnet=carnet, account=account)
        for carnet, account in usable_carnets(member, resource, on)
        if carnet.unit in (CREDIT_HOUR, CREDIT_DAY)
    ]
    return sources


def _local_days(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.date, int]]:
    """The local days `[start, end)` touches, each with its minutes of the booking."""
    zone = local_zone()
    days: list[tuple[dt.date, int]] = []
    cursor = start
    while cursor < end:
        local = cursor.astimezone(zone)
        next_midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        stop = min(end, to_utc(next_midnight))
        days.append((local.date(), int((stop - cursor).total_seconds() // 60)))
        cursor = stop
    return days


def credit_label(source: str, unit: str, amount: int, plan: str = "") -> str:
    """What paid (or would pay) part of a booking, for its member: "Inclus dans votre forfait
    Résident", "1 jour de carnet", "1 h 30 de carnet"."""
    if source == ALLOWANCE:
        return _("Included in your plan %(plan)s") % {"plan": plan}
    if unit == CREDIT_DAY:
        days = amount // ONE
        return ngettext("%(count)s day of carnet", "%(count)s days of carnet", days) % {"count": days}
    return _("%(hours)s of carnet") % {"hours": get_unit("HRS").format(amount)}


def booking_paid_with(bookings: list[Booking]) -> None:
    """Set `paid_with` on each booking: the labels of its credits, then its price if any."""
    prefetch_related_objects(bookings, "credits__subscription__plan")
    for booking in bookings:
        labels = [
            credit_label(
                credit.source,
                credit.unit,
                credit.amount,
                credit.subscription.plan.name if credit.subscription is not None else "",
            )
            for credit in sorted(booking.credits.all(), key=lambda credit: credit.pk)
        ]
        if booking.price or not labels:
            labels.append(get_unit(booking.unit).format(booking.price))
        booking.paid_with = labels  # type: ignore[attr-defined]


def _label(source: CreditSource, amount: int) -> str:
    plan = source.subscription.plan.name if source.subscription is not None else ""
    return credit_label(source.source, source.unit, amount, plan)


def credit_split(
    *,
    resource: Resource,
    start: dt.datetime,
    end: dt.datetime,
    seats: int,
    money_unit: str,
    per_step: int,
    sources: list[CreditSource],
    available: dict[int, int],
) -> Quote:
    """The lines of a booking: what each source pays (at most its `available` balance, by account
    id), in order, and the money for the rest (see places/services/booking_credits.py)."""
    factor = seats if resource.shared else 1
    step = resource.step_minutes
    full_price = booking_price(resource, start, end, seats, per_step)
    quote = Quote(money_unit=money_unit, money_amount=full_price)
    if per_step == 0 or not sources:
        if full_price:
            quote.lines.append(QuoteLine(PRICE, get_unit(money_unit).format(full_price), money_unit, full_price))
        return quote
    # Seat-minutes not yet paid, per local day.
    left = {day: minutes * factor for day, minutes in _local_days(start, end)}
    overage: tuple[str, int] | None = None
    for source in sources:
        balance = available.get(source.account_id, 0) if source.account_id is not None else 0
        if balance <= 0 or not any(left.values()):
            continue
        used = 0
        if source.unit == CREDIT_DAY:
            # One day per seat per local day touched, all or nothing.
            for day, minutes in left.items():
                if minutes and balance - used >= ONE * factor:
                    used += ONE * factor
                    left[day] = 0
        else:
            seat_minutes = sum(left.values())
            needed = -(-seat_minutes * ONE // 60)  # hundredths of an hour, rounded up
            used = min(balance, needed)
            covered = seat_minutes if used == needed else used * 60 // ONE
            for day in left:
                take = min(left[day], covered)
                left[day] -= take
                covered -= take
        if used <= 0:
            continue
        quote.lines.append(QuoteLine(source.source, _label(source, used), source.unit, used, credit=source))
        if source.allowance is not None and source.allowance.overage_price is not None:
            assert source.subscription is not None
            overage = (source.subscription.plan.unit, source.allowance.overage_price)
    if not quote.credit_lines:
        if full_price:
            quote.lines.append(QuoteLine(PRICE, get_unit(money_unit).format(full_price), money_unit, full_price))
        return quote
    rest = sum(left.values())
    if overage is not None and rest:
        quote.money_unit, per_step = overage
    # The uncovered minutes of a seat, rounded up to whole steps, × the price per step × the seats.
    seat_rest = -(-rest // factor)
    quote.money_amount = per_step * -(-seat_rest // step) * factor if rest else 0
    if quote.money_amount:
        money = quote.money_amount
        quote.lines.append(QuoteLine(PRICE, get_unit(quote.money_unit).format(money), quote.money_unit, money))
    return quote


def available_balances(sources: list[CreditSource]) -> dict[int, int]:
    """What each source's account may still pay, as read (balance − held)."""
    return {
        source.account_id: available_credits(source.account)
        for source in sources
        if source.account_id is not None and source.account is not None
    }


def booking_quote(
    *,
    resource: Resource,
    member: Member | None,
    start: dt.datetime,
    end: dt.datetime,
    seats: int = 1,
    unit: str | None = None,
    now: dt.datetime | None = None,
) -> Quote:
    """What booking `seats` of `resource` for `[start, end)` would hold now: the credit lines in
    the fixed order, then the money (only the money for someone who is not a member). Read-only:
    the booking may split otherwise if the balances change meanwhile (booking_create decides under
    its locks). Raises InvalidInput, InvalidDuration, UnitNotAccepted; it checks no opening, seat
    or member rule (the booking does)."""
    start, end = booking_interval(start, end, seats)
    code, per_step = price_per_step(resource, unit)
    sources = credit_sources(member, resource, start.astimezone(local_zone()).date())
    return credit_split(
        resource=resource,
        start=start,
        end=end,
        seats=seats,
        money_unit=code,
        per_step=per_step,
        sources=sources,
        available=available_balances(sources),
    )
