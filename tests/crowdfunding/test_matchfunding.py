"""Matchfunding pools: who may add one, the rule (ratio, caps), the sponsor's balance, closing a pool."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from djmoney.money import Money

from core.errors import ApplicationError, InvalidInput, PermissionDenied
from crowdfunding.errors import OwnCampaign, PoolNotAllowed
from crowdfunding.models import Campaign, MatchingPool, Pledge
from crowdfunding.services.campaigns import campaign_submit
from crowdfunding.services.closing import campaigns_close_due
from crowdfunding.services.pledges import match_for, pledge_change, pool_close, pool_create
from ledger.models import Account, Hold
from ledger.services import account_status_set
from members.models import Member
from tests.conftest import account_of
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator, past_deadline
from tests.crowdfunding.test_worked_examples import ledger_rows, money_of, pledge
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_member) -> Member:
    return make_member(username="fablab", kind=Member.Kind.ASSOCIATION)


@pytest.fixture
def sponsor(make_member) -> Member:
    member = make_member(username="cc-achards", kind=Member.Kind.ASSOCIATION)
    give_ach(member, "100")
    return member


@pytest.fixture
def campaign(owner) -> Campaign:
    return live_campaign(owner, goal="200")


def funded(make_member, name: str, amount: str = "100") -> Member:
    member = make_member(username=name)
    give_ach(member, amount)
    return member


def add_pool(campaign: Campaign, sponsor: Member, **rule: Any) -> MatchingPool:
    rule.setdefault("ratio", "1")
    rule.setdefault("total_cap", Money("50", "ACH"))
    return pool_create(campaign=campaign, sponsor=sponsor, actor=sponsor.user, **rule)


def refused(error: type[ApplicationError], call: Any) -> ApplicationError:
    pools, rows = MatchingPool.objects.count(), ledger_rows()
    with pytest.raises(error) as caught:
        call()
    assert (MatchingPool.objects.count(), ledger_rows()) == (pools, rows)
    return caught.value


def test_the_rule_matches_a_ratio_of_each_pledge_rounded_down_within_both_caps():
    pool = MatchingPool(ratio=Decimal("0.5"), per_backer_cap=2000, total_cap=5000)
    assert match_for(pool, 1001, 0) == 500  # half a cent is not matched
    assert match_for(pool, 10000, 0) == 2000  # the cap per backer
    assert match_for(pool, 3000, 4000) == 1000  # what is left of the total
    assert match_for(pool, 3000, 5000) == 0
    doubling = MatchingPool(ratio=Decimal("2"), per_backer_cap=None, total_cap=100000)
    assert match_for(doubling, 1234, 0) == 2468


def test_only_the_sponsor_or_a_moderator_adds_a_pool_and_only_to_an_approved_or_live_campaign(
    campaign, sponsor, owner, make_member
):
    stranger = make_member(username="intrus")
    refused(
        PermissionDenied,
        lambda: pool_create(
            campaign=campaign, sponsor=sponsor, ratio="1", total_cap=Money("50", "ACH"), actor=stranger.user
        ),
    )
    refused(OwnCampaign, lambda: add_pool(campaign, owner))
    draft = draft_campaign(owner, title="Brouillon")
    refused(PoolNotAllowed, lambda: add_pool(draft, sponsor))
    campaign_submit(campaign=draft, actor=owner.user)
    refused(PoolNotAllowed, lambda: add_pool(draft, sponsor))

    pool = pool_create(campaign=campaign, sponsor=sponsor, ratio="1", total_cap=Money("50", "ACH"), actor=moderator())

    assert (pool.status, pool.ratio, pool.total_cap, pool.per_backer_cap, pool.matched_total) == (
        MatchingPool.Status.ACTIVE,
        Decimal("1.000"),
        5000,
        None,
        0,
    )
    assert pool.created_by == moderator()
    refused(InvalidInput, lambda: add_pool(campaign, sponsor))  # one active pool per campaign


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"ratio": "0"}, "ratio"),
        ({"ratio": "-1"}, "ratio"),
        ({"ratio": "11"}, "ratio"),
        ({"ratio": "0.0001"}, "ratio"),
        ({"ratio": "un pour un"}, "ratio"),
        ({"total_cap": Money("0", "ACH")}, "total_cap"),
        ({"total_cap": Money("50", "HRS")}, "total_cap"),
        ({"per_backer_cap": Money("-1", "ACH")}, "per_backer_cap"),
    ],
)
def test_an_invalid_rule_is_refused_and_writes_nothing(campaign, sponsor, rule, field):
    error = refused(InvalidInput, lambda: add_pool(campaign, sponsor, **rule))
    assert list(error.fields or {}) == [field]


def test_a_pool_added_to_a_running_campaign_matches_the_pledges_already_made_oldest_first(
    campaign, sponsor, make_member
):
    first, second, third = (funded(make_member, name) for name in ("alice", "bruno", "chloe"))
    pledges = [pledge(campaign, first, "30"), pledge(campaign, second, "15"), pledge(campaign, third, "40")]

    pool = add_pool(campaign, sponsor, per_backer_cap=Money("25", "ACH"), total_cap=Money("45", "ACH"))

    assert pool.matched_total == 4500
    for row in pledges:
        row.refresh_from_db()
    assert [(p.match_amount, p.pool_id) for p in pledges] == [(2500, pool.pk), (1500, pool.pk), (500, pool.pk)]
    assert money_of(sponsor) == (10000, 4500, 5500)


def test_the_match_is_limited_by_what_the_sponsor_has_available(campaign, make_member):
    sponsor = funded(make_member, "boulangerie", "12")
    backer = funded(make_member, "alice")
    add_pool(campaign, sponsor, total_cap=Money("50", "ACH"))

    first = pledge(campaign, backer, "20")

    assert first.match_amount == 1200
    assert money_of(sponsor) == (1200, 1200, 0)
    other = pledge(campaign, funded(make_member, "bruno"), "10")
    assert (other.match_amount, other.match_hold_id) == (0, None)
    assert MatchingPool.objects.get().matched_total == 1200


def test_a_frozen_sponsor_leaves_the_pledge_standing_unmatched(campaign, sponsor, make_member):
    add_pool(campaign, sponsor)
    account_status_set(account=account_of(sponsor, "ACH"), status=Account.Status.FROZEN, actor=moderator())
    backer = funded(make_member, "alice")

    running = pledge(campaign, backer, "20")

    assert (running.status, running.amount, running.match_amount, running.match_hold_id) == (
        Pledge.Status.ACTIVE,
        2000,
        0,
        None,
    )
    assert money_of(sponsor) == (10000, 0, 10000)
    assert money_of(backer) == (10000, 2000, 8000)
    assert MatchingPool.objects.get().matched_total == 0


def test_the_sponsor_backing_the_campaign_is_not_matched_by_their_own_pool(campaign, sponsor):
    add_pool(campaign, sponsor)
    own = pledge(campaign, sponsor, "20")
    assert (own.match_amount, own.pool_id) == (0, None)
    assert money_of(sponsor) == (10000, 2000, 8000)


def test_a_closed_pool_matches_no_new_pledge_and_a_changed_pledge_keeps_at_most_its_match(
    campaign, sponsor, make_member
):
    alice, bruno = funded(make_member, "alice"), funded(make_member, "bruno")
    pool = add_pool(campaign, sponsor, total_cap=Money("50", "ACH"))
    matched = pledge(campaign, alice, "20")
    refused(PermissionDenied, lambda: pool_close(pool=pool, actor=alice.user))

    closed = pool_close(pool=pool, actor=sponsor.user)

    assert (closed.status, closed.matched_total) == (MatchingPool.Status.CLOSED, 2000)
    unmatched = pledge(campaign, bruno, "20")
    assert (unmatched.match_amount, unmatched.pool_id) == (0, None)
    raised = pledge_change(pledge=matched, amount=Money("30", "ACH"), actor=alice.user)
    assert (raised.match_amount, raised.pool_id) == (2000, pool.pk)
    lowered = pledge_change(pledge=raised, amount=Money("5", "ACH"), actor=alice.user)
    assert lowered.match_amount == 500
    raised_again = pledge_change(pledge=lowered, amount=Money("30", "ACH"), actor=alice.user)
    assert raised_again.match_amount == 500
    pool.refresh_from_db()
    assert pool.matched_total == 500
    assert money_of(sponsor) == (10000, 500, 9500)
    # A new pool may now be added, and matches the pledges without one.
    second = pool_create(
        campaign=campaign, sponsor=sponsor, ratio="0.5", total_cap=Money("5", "ACH"), actor=moderator()
    )
    unmatched.refresh_from_db()
    assert (unmatched.match_amount, unmatched.pool_id, second.matched_total) == (500, second.pk, 500)


def test_a_failed_campaign_releases_the_matches_and_the_sponsor_keeps_everything(campaign, sponsor, make_member):
    add_pool(campaign, sponsor, total_cap=Money("50", "ACH"))
    backers = [funded(make_member, name) for name in ("alice", "bruno")]
    for backer in backers:
        pledge(campaign, backer, "30")
    assert money_of(sponsor) == (10000, 5000, 5000)

    campaigns_close_due(now=past_deadline(campaign))

    campaign.refresh_from_db()
    assert (campaign.status, campaign.raised_total) == (Campaign.Status.FAILED, 6000 + 5000)
    assert money_of(sponsor) == (10000, 0, 10000)
    assert [money_of(b) for b in backers] == [(10000, 0, 10000)] * 2
    assert set(Hold.objects.values_list("status", flat=True)) == {Hold.Status.VOIDED}
