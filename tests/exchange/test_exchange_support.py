"""Helpers of the exchange tests (no tests here): a category, listings, a proposal made by a member."""

from __future__ import annotations

from decimal import Decimal

from djmoney.money import Money

from exchange.models import Exchange, Listing
from exchange.services.exchanges import exchange_propose
from ledger.models import Account, Hold, Transaction
from members.models import Member
from tests.conftest import account_of
from tests.factories import ListingFactory


def listing_of(
    author: Member, *, kind: str = Listing.Kind.OFFER, unit: str = "GRN", price: int | None = 2000, title: str = ""
) -> Listing:
    """A listing `author` publishes (price in minor units, None for no price)."""
    money = None if price is None else Money(Decimal(price).scaleb(-2), unit)
    return ListingFactory(author=author, kind=kind, title=title or "Pain au levain", price=money)


def propose(listing: Listing, proposer: Member, amount: str | None = None, unit: str | None = None) -> Exchange:
    money = None if amount is None else Money(amount, unit or listing.unit)
    return exchange_propose(listing=listing, proposer=proposer, amount=money, message="Bonjour", actor=proposer.user)


def snapshot() -> tuple[int, int, int, int, list[tuple[int, int, int]]]:
    """What a refused action must leave as it was: ledger rows, events, and every account's money."""
    from exchange.models import ExchangeEvent

    return (
        Transaction.objects.count(),
        Hold.objects.count(),
        Hold.objects.exclude(status=Hold.Status.PENDING).count(),
        ExchangeEvent.objects.count(),
        list(Account.objects.order_by("id").values_list("id", "balance", "held")),
    )


def money_of(member: Member, unit: str) -> tuple[int, int, int | None]:
    """(balance, held, available) in minor units."""
    account = account_of(member, unit)
    return account.balance, account.held, account.available


def hold_of(exchange: Exchange) -> Hold:
    exchange.refresh_from_db()
    assert exchange.hold is not None
    return exchange.hold
