"""Reads of the exchange offices: the comptoirs a user works at, conversions, the day's cash report."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from core.errors import NotFound
from core.typing import RequestUser
from currency.models import Comptoir, Conversion
from ledger.selectors import can_read_everything


def comptoirs_for(user: RequestUser) -> QuerySet[Comptoir]:
    """The comptoirs where the user may record conversions (staff: every active one)."""
    if not user.is_authenticated:
        return Comptoir.objects.none()
    if user.is_staff:
        return Comptoir.objects.filter(active=True)
    return Comptoir.objects.filter(active=True, staff__pk=user.pk)


def comptoir_get_for(*, user: RequestUser, comptoir_id: int) -> Comptoir:
    """A comptoir the user works at (staff and auditors: any, auditors to read); NotFound otherwise."""
    if not user.is_authenticated:
        raise NotFound()
    reads_all = can_read_everything(user)
    comptoirs = Comptoir.objects.all() if reads_all else Comptoir.objects.filter(staff__pk=user.pk)
    comptoir = comptoirs.filter(pk=comptoir_id).first()
    if comptoir is None:
        raise NotFound()
    return comptoir


def conversions_visible_to(user: RequestUser) -> QuerySet[Conversion]:
    """Staff and auditors: all; comptoir staff: their comptoirs'; members: their own."""
    conversions = Conversion.objects.select_related("comptoir", "member", "actor").order_by("-id")
    if not user.is_authenticated:
        return conversions.none()
    if can_read_everything(user):
        return conversions
    return conversions.filter(Q(comptoir__staff__pk=user.pk) | Q(member__user_id=user.pk)).distinct()


def conversion_get_visible(*, user: RequestUser, conversion_id: int) -> Conversion:
    conversion = conversions_visible_to(user).filter(pk=conversion_id).first()
    if conversion is None:
        raise NotFound()
    return conversion


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """From local midnight to the next local midnight (23 or 25 hours on DST days)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def conversions_on(queryset: QuerySet[Conversion], day: datetime.date) -> QuerySet[Conversion]:
    start, end = local_day_bounds(day)
    return queryset.filter(created_at__gte=start, created_at__lt=end)


@dataclass(frozen=True)
class CashLine:
    payment_method: str
    label: str
    count: int
    total: int  # cents


@dataclass(frozen=True)
class OtherReceipt:
    """Euros an exchange office received for something else than a conversion (a membership fee),
    given by a source another app registers (`cash_source_register`)."""

    created_at: datetime.datetime
    what: str
    member_name: str
    payment_method: str  # the label
    amount: int  # cents
    recorded_by: str


# A source: (comptoir, start, end) -> the receipts of that comptoir in [start, end).
CashSource = Callable[[Comptoir, datetime.datetime, datetime.datetime], Iterable[OtherReceipt]]
_cash_sources: list[CashSource] = []


def cash_source_register(source: CashSource) -> None:
    """Add a source of other receipts to the cash report (an app's AppConfig.ready; twice is once)."""
    if source not in _cash_sources:
        _cash_sources.append(source)


@dataclass(frozen=True)
class CashReport:
    comptoir: Comptoir
    day: datetime.date
    lines: list[CashLine]
    conversions: list[Conversion] = field(default_factory=list)
    others: list[OtherReceipt] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def others_total(self) -> int:
        return sum(receipt.amount for receipt in self.others)

    @property
    def received(self) -> int:
        """Every euro the office received that day: conversions and other receipts (the cash to hand in)."""
        return self.total + self.others_total


def comptoir_cash_report(*, comptoir: Comptoir, day: datetime.date) -> CashReport:
    """Per payment method, the number and total (cents) of the conversions of that local day."""
    day_conversions = conversions_on(
        Conversion.objects.filter(comptoir=comptoir).select_related("member", "actor"), day
    ).order_by("created_at", "id")
    totals = {
        row["payment_method"]: (row["count"], row["total"])
        for row in day_conversions.order_by().values("payment_method").annotate(count=Count("id"), total=Sum("amount"))
    }
    lines = [
        CashLine(
            payment_method=method.value,
            label=str(method.label),
            count=totals.get(method.value, (0, 0))[0],
            total=totals.get(method.value, (0, 0))[1] or 0,
        )
        for method in Conversion.PaymentMethod
    ]
    start, end = local_day_bounds(day)
    others = sorted(
        (receipt for source in _cash_sources for receipt in source(comptoir, start, end)),
        key=lambda receipt: receipt.created_at,
    )
    return CashReport(comptoir=comptoir, day=day, lines=lines, conversions=list(day_conversions), others=others)
