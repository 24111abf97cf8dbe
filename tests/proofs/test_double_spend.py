"""Fifty concurrent spends of the same money: exactly what fits goes through, the rest is refused cleanly.

Fifty threads, each on its own PostgreSQL connection, released together by a barrier.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from djmoney.money import Money

from core.errors import ApplicationError
from crowdfunding.models import Pledge, RewardTier
from crowdfunding.services.pledges import pledge_create
from ledger import services
from ledger.models import Account, Hold, Transaction
from tests.concurrency import race as race_threads
from tests.conftest import account_of, requires_postgresql
from tests.crowdfunding.helpers import live_campaign, tier
from tests.currency.funding import give_ach

pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]

RACERS = 50


def race(calls: list[Callable[[], Any]]) -> Counter:
    """Run the calls released together; count successes ("ok") and refusals by code."""
    return Counter(o.code if isinstance(o, ApplicationError) else "ok" for o in race_threads(calls))


def test_fifty_payments_of_80_from_100_achards_let_exactly_one_through(make_member):
    payer = make_member(username="payeur")
    payees = [make_member(username=f"vendeur{i:02d}") for i in range(5)]
    give_ach(payer, "100")
    before = Transaction.objects.count()

    pay = partial(
        services.transfer_create, from_account=account_of(payer, "ACH"), amount=Money("80", "ACH"), actor=None
    )
    outcomes = race([partial(pay, to_account=account_of(payees[i % 5], "ACH")) for i in range(RACERS)])

    assert outcomes == Counter({"ok": 1, "insufficient_funds": 49})
    assert Transaction.objects.count() == before + 1
    assert (account_of(payer, "ACH").balance, account_of(payer, "ACH").held) == (2000, 0)
    assert sorted(account_of(p, "ACH").balance for p in payees) == [0, 0, 0, 0, 8000]


@pytest.mark.parametrize(("each", "fits"), [("6", 0), ("2", 2)])
def test_fifty_hour_payments_from_an_account_five_hours_above_its_floor_pass_only_what_fits(make_member, each, fits):
    payer = make_member(username="voisine")
    payees = [make_member(username=f"voisin{i:02d}") for i in range(5)]
    services.transfer_create(
        from_account=account_of(payer, "HRS"), to_account=account_of(payees[0], "HRS"), amount=Money("15", "HRS"),
        actor=None,
    )  # fmt: skip
    assert (account_of(payer, "HRS").balance, account_of(payer, "HRS").min_balance) == (-1500, -2000)

    pay = partial(
        services.transfer_create, from_account=account_of(payer, "HRS"), amount=Money(each, "HRS"), actor=None
    )
    outcomes = race([partial(pay, to_account=account_of(payees[i % 5], "HRS")) for i in range(RACERS)])

    assert outcomes == Counter(
        {"ok": fits, "insufficient_funds": RACERS - fits} if fits else {"insufficient_funds": RACERS}
    )
    spent = fits * int(each) * 100
    assert account_of(payer, "HRS").balance == -1500 - spent
    assert sum(account_of(p, "HRS").balance for p in payees) == 1500 + spent
    assert Transaction.objects.count() == 1 + fits
    assert set(Account.objects.filter(unit="HRS").values_list("held", flat=True)) == {0}


def test_fifty_pledges_for_the_last_reward_leave_it_to_exactly_one_backer(make_member):
    owner = make_member(username="fablab")
    backers = [make_member(username=f"soutien{i:02d}") for i in range(RACERS)]
    for backer in backers:
        give_ach(backer, "30")
    campaign = live_campaign(owner, goal="500", tiers=[{"title": "Dernier", "minimum": Money("20", "ACH"), "stock": 1}])
    last = tier(campaign, "Dernier")

    outcomes = race(
        [
            partial(
                pledge_create, campaign=campaign, backer=backer, amount=Money("25", "ACH"), tier=last, actor=backer.user
            )
            for backer in backers
        ]
    )

    assert outcomes == Counter({"ok": 1, "tier_sold_out": 49})
    assert RewardTier.objects.get(pk=last.pk).claimed == 1
    pledge = Pledge.objects.get()
    assert (pledge.tier_id, pledge.amount, pledge.status) == (last.pk, 2500, Pledge.Status.ACTIVE)
    assert Hold.objects.filter(status=Hold.Status.PENDING).count() == 1
    assert sorted(account_of(b, "ACH").held for b in backers) == [0] * 49 + [2500]
    assert {account_of(b, "ACH").balance for b in backers} == {3000}
