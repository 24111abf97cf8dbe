"""Helpers of the exchange tests (no tests here): a category, listings, a proposal made by a member."""

from __future__ import annotations

import datetime

from djmoney.money import Money

from exchange.models import Category, Exchange, Listing
from exchange.services.exchanges import exchange_propose
from ledger.models import Account, Hold, Transaction
from members.models import Member
from tests.conftest import account_of


def category_for_tests() -> Category:
    # The listings lane may add categories by data migration later: our own slug never clashes.
    category, _created = Category.objects.get_or_create(
        slug="test-cat", defaults={"name_fr": "Catégorie de test", "name_en": "Test category"}
    )
    return category


def listing_of(
    author: Member, *, kind: str = Listing.Kind.OFFER, unit: str = "GRN", price: int | None = 2000, title: str = ""
) -> Listing:
    return Listing.objects.create(
        author=author,
        kind=kind,
        title=title or "Pain au levain",
        description="Deux miches par semaine.",
        category=category_for_tests(),
        unit=unit if price is not None else "",
        price=price,
        expires_on=datetime.date.today() + datetime.timedelta(days=60),
    )


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
