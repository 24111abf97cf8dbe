"""Reads of exchanges: a member's exchanges, one exchange for whoever may see it, ratings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet

from core.typing import RequestUser
from exchange.errors import ExchangeNotFound
from exchange.models import Exchange, Review
from ledger.selectors import can_read_everything
from members.models import Member
from members.selectors import member_or_none


def exchanges_of(member: Member) -> QuerySet[Exchange]:
    """Every exchange the member is a party to, newest first."""
    return (
        Exchange.objects.filter(Q(buyer=member) | Q(seller=member))
        .select_related("listing", "buyer", "seller", "hold")
        .order_by("-id")
    )


def exchanges_visible_to(user: RequestUser) -> QuerySet[Exchange]:
    """Its two parties see an exchange; staff and auditors (who read every hold) see them all."""
    if can_read_everything(user):
        return Exchange.objects.select_related("listing", "buyer", "seller", "hold").order_by("-id")
    member = member_or_none(user)
    if member is None:
        return Exchange.objects.none()
    return exchanges_of(member)


def exchange_get_visible(user: RequestUser, exchange_id: int) -> Exchange:
    """The exchange, for its two parties, staff and auditors. Raises ExchangeNotFound for anyone else."""
    exchange = exchanges_visible_to(user).filter(pk=exchange_id).first()
    if exchange is None:
        raise ExchangeNotFound()
    return exchange


def member_rating(member: Member) -> tuple[Decimal | None, int]:
    """(average rating rounded to one decimal or None, number of reviews) received by the member."""
    result = Review.objects.filter(subject=member).aggregate(average=Avg("rating"), count=Count("id"))
    average = result["average"]
    if average is None:
        return None, 0
    return Decimal(str(average)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), int(result["count"])


def reviews_of(member: Member, limit: int = 10) -> list[Review]:
    return list(Review.objects.filter(subject=member).select_related("author", "exchange__listing")[:limit])
