"""Many backers at once, on real PostgreSQL connections: never oversold, never over the cap, one outcome each.

Each thread has its own database connection (Django's are per thread) and calls the services
exactly as concurrent web requests and Celery workers would. Only business refusals (a clean
ApplicationError) are expected; anything else fails the test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Sum
from djmoney.money import Money

from core.errors import ApplicationError
from crowdfunding.kinds import CAMPAIGN_PAYOUT
from crowdfunding.models import Campaign, MatchingPool, Pledge, RewardTier
from crowdfunding.services.closing import campaign_decide, campaigns_close_due
from crowdfunding.services.pledges import pledge_create, pool_create
from ledger.kinds import HOLD_CAPTURE
from ledger.models import Account, Hold, Transaction
from members.models import Member
from tests.concurrency import race
from tests.conftest import account_of, requires_postgresql
from tests.crowdfunding.helpers import live_campaign, moderator, past_deadline, tier
from tests.currency.funding import give_ach

pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]

BACKERS = 16


def codes(outcomes: list[Any]) -> Counter:
    return Counter(o.code if isinstance(o, ApplicationError) else "pledged" for o in outcomes)


def neighbours(make_member, count: int = BACKERS, amount: str = "100") -> list[Member]:
    members = [make_member(username=f"voisin{i:02d}") for i in range(count)]
    for member in members:
        give_ach(member, amount)
    return members


def pledging(campaign: Campaign, backer: Member, amount: str, **extra: Any) -> Callable[[], Pledge]:
    return lambda: pledge_create(
        campaign=campaign, backer=backer, amount=Money(amount, campaign.unit), actor=backer.user, **extra
    )


def held_by(members: list[Member]) -> int:
    return sum(account_of(member, "ACH").held for member in members)


def test_sixteen_backers_racing_for_five_rewards_never_oversell_and_lose_no_pledge(make_member):
    owner = make_member(username="fablab")
    backers = neighbours(make_member)
    campaign = live_campaign(owner, tiers=[{"title": "Atelier", "minimum": Money("20", "ACH"), "stock": 5}])
    workshop = tier(campaign, "Atelier")

    outcomes = race([pledging(campaign, backer, "25", tier=workshop) for backer in backers])

    assert codes(outcomes) == Counter({"pledged": 5, "tier_sold_out": 11})
    winners = [backer for backer, outcome in zip(backers, outcomes, strict=True) if isinstance(outcome, Pledge)]
    assert RewardTier.objects.get(pk=workshop.pk).claimed == 5
    assert Pledge.objects.filter(tier=workshop, status=Pledge.Status.ACTIVE).count() == 5
    assert sorted(Pledge.objects.values_list("backer_id", flat=True)) == sorted(b.pk for b in winners)
    assert Hold.objects.filter(status=Hold.Status.PENDING).count() == 5
    assert held_by(backers) == 5 * 2500 == Pledge.objects.aggregate(total=Sum("amount"))["total"]
    for backer, outcome in zip(backers, outcomes, strict=True):
        expected = (10000, 2500) if isinstance(outcome, Pledge) else (10000, 0)
        assert (account_of(backer, "ACH").balance, account_of(backer, "ACH").held) == expected


def test_sixteen_pledges_racing_for_a_matching_pool_never_pass_its_total_cap(make_member):
    owner = make_member(username="tierslieu")
    sponsor = make_member(username="cc-achards", kind=Member.Kind.ASSOCIATION)
    give_ach(sponsor, "100")
    backers = neighbours(make_member)
    campaign = live_campaign(owner, goal="500")
    pool_create(
        campaign=campaign,
        sponsor=sponsor,
        ratio="1",
        per_backer_cap=Money("10", "ACH"),
        total_cap=Money("45", "ACH"),
        actor=moderator(),
    )

    outcomes = race([pledging(campaign, backer, "12") for backer in backers])

    assert codes(outcomes) == Counter({"pledged": BACKERS})
    pool = MatchingPool.objects.get()
    matches = sorted(Pledge.objects.values_list("match_amount", flat=True))
    # Four full matches of 10, one of the 5 left, then nothing: whatever the order.
    assert matches == [0] * 11 + [500] + [1000] * 4
    pending_matches = Hold.objects.filter(
        pk__in=Pledge.objects.values("match_hold_id"), status=Hold.Status.PENDING
    ).aggregate(total=Sum("amount"))["total"]
    assert pool.matched_total == sum(matches) == pending_matches == 4500 <= pool.total_cap
    sponsor_account = account_of(sponsor, "ACH")
    assert (sponsor_account.balance, sponsor_account.held) == (10000, 4500)
    assert held_by(backers) == BACKERS * 1200


def test_two_closing_runs_racing_pay_out_once_and_settle_each_pledge_once(make_member):
    owner = make_member(username="cafe")
    backers = neighbours(make_member, count=8)
    campaign = live_campaign(owner, goal="100")
    for backer in backers:
        pledging(campaign, backer, "15")()
    moment = past_deadline(campaign)

    reports = race([lambda: campaigns_close_due(now=moment)] * 2)

    assert sum(r.decided for r in reports) == 1
    assert sum(r.pledges_settled for r in reports) == 8
    assert sum(r.paid_out for r in reports) == 1
    assert sum(r.pledges_refused for r in reports) == 0
    campaign.refresh_from_db()
    assert (campaign.status, campaign.raised_total, campaign.fee_amount, campaign.payout_amount) == (
        Campaign.Status.PAID_OUT,
        12000,
        360,
        11640,
    )
    kinds = Counter(Transaction.objects.values_list("kind", flat=True))
    assert (kinds[HOLD_CAPTURE], kinds[CAMPAIGN_PAYOUT]) == (8, 1)
    assert set(Pledge.objects.values_list("status", flat=True)) == {Pledge.Status.CAPTURED}
    assert set(Hold.objects.values_list("status", flat=True)) == {Hold.Status.CAPTURED}
    assert [(account_of(b, "ACH").balance, account_of(b, "ACH").held) for b in backers] == [(8500, 0)] * 8
    assert account_of(owner, "ACH").balance == 11640
    escrow = Account.objects.get(pk=campaign.escrow_account_id)
    assert (escrow.balance, escrow.held) == (0, 0)


def test_pledges_racing_the_decision_are_either_counted_and_settled_or_refused(make_member):
    owner = make_member(username="ressourcerie")
    backers = neighbours(make_member, count=12)
    campaign = live_campaign(owner, goal="1000", funding_model=Campaign.Model.KEEP_IT_ALL)
    moment = past_deadline(campaign)  # the decision acts as at the deadline; the backers' clock is a bit earlier

    outcomes = race(
        [pledging(campaign, backer, "10") for backer in backers[:6]]
        + [lambda: campaign_decide(campaign_id=campaign.pk, now=moment)]
        + [pledging(campaign, backer, "10") for backer in backers[6:]]
    )
    campaigns_close_due(now=moment)

    assert outcomes[6] is True
    pledge_outcomes = outcomes[:6] + outcomes[7:]
    landed = [o for o in pledge_outcomes if isinstance(o, Pledge)]
    assert set(codes(pledge_outcomes)) <= {"pledged", "campaign_closed"}
    assert codes(pledge_outcomes)["pledged"] + codes(pledge_outcomes)["campaign_closed"] == 12
    campaign.refresh_from_db()
    # Whatever landed before the decision is what it counted; nothing is left running after.
    assert campaign.raised_total == 1000 * len(landed)
    assert Pledge.objects.filter(status=Pledge.Status.ACTIVE).count() == 0
    assert Pledge.objects.count() == len(landed)
    assert Hold.objects.filter(status=Hold.Status.PENDING).count() == 0
    if landed:
        assert campaign.status == Campaign.Status.PAID_OUT
        assert set(Pledge.objects.values_list("status", flat=True)) == {Pledge.Status.CAPTURED}
        assert campaign.payout_amount + campaign.fee_amount == 1000 * len(landed)
    else:
        assert campaign.status == Campaign.Status.FAILED
    assert held_by(backers) == 0
    assert sum(account_of(b, "ACH").balance for b in backers) == 12 * 10000 - 1000 * len(landed)
