"""Pledge rules: every refusal writes nothing (no pledge, no hold, no claim, nothing held)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError, InvalidInput, PermissionDenied
from crowdfunding.errors import (
    AlreadyPledged,
    BelowTierMinimum,
    CampaignClosed,
    OwnCampaign,
    PledgeNotActive,
    TierSoldOut,
)
from crowdfunding.models import Campaign, Pledge, RewardTier
from crowdfunding.services.campaigns import campaign_approve, campaign_cancel, campaign_submit
from crowdfunding.services.closing import campaigns_close_due
from crowdfunding.services.pledges import pledge_change, pledge_create, pledge_withdraw
from ledger.errors import AccountFrozen, InsufficientFunds, MembershipExpired
from ledger.models import Account, Hold
from ledger.services import account_status_set
from members.models import Member
from tests.conftest import account_of, api_client_for
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator, past_deadline, tier
from tests.crowdfunding.test_worked_examples import ledger_rows, money_of, pledge
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db

TIERS = [
    {"title": "Carte postale", "minimum": Money("10", "ACH")},
    {"title": "Atelier", "minimum": Money("30", "ACH"), "stock": 1},
]


@pytest.fixture
def owner(make_member) -> Member:
    return make_member(username="fablab", kind=Member.Kind.ASSOCIATION)


@pytest.fixture
def backer(make_member) -> Member:
    member = make_member(username="alice")
    give_ach(member, "50")
    return member


@pytest.fixture
def campaign(owner) -> Campaign:
    return live_campaign(owner, goal="100", tiers=TIERS)


def written(campaign: Campaign) -> tuple[Any, ...]:
    """Everything a pledge writes: pledges, ledger rows, tier claims, what every account holds."""
    return (
        list(Pledge.objects.order_by("id").values_list("id", "status", "amount", "tier_id", "hold_id", "version")),
        ledger_rows(),
        list(RewardTier.objects.order_by("id").values_list("id", "claimed")),
        list(Account.objects.order_by("id").values_list("id", "balance", "held")),
        Campaign.objects.get(pk=campaign.pk).status,
    )


def refused_writing_nothing(error: type[ApplicationError], campaign: Campaign, call: Any) -> ApplicationError:
    before = written(campaign)
    with pytest.raises(error) as caught:
        call()
    assert written(campaign) == before
    return caught.value


# --- creating -------------------------------------------------------------------------------


def test_a_pledge_holds_its_amount_towards_the_escrow_and_claims_its_reward(campaign, backer, settings):
    settings.LANGUAGE_CODE = "en"  # the books are written in the site's language
    created = pledge(campaign, backer, "35", tier=tier(campaign, "Atelier"), anonymous=True)

    assert (created.status, created.amount, created.unit, created.anonymous, created.version) == (
        Pledge.Status.ACTIVE,
        3500,
        "ACH",
        True,
        1,
    )
    hold = Hold.objects.get(pk=created.hold_id)
    assert (hold.status, hold.amount, hold.debit_account_id, hold.credit_account_id) == (
        Hold.Status.PENDING,
        3500,
        account_of(backer, "ACH").pk,
        campaign.escrow_account_id,
    )
    assert hold.memo == f"Pledge to “Un fablab aux Achards” (campaign #{campaign.pk}), held until the deadline"
    assert money_of(backer) == (5000, 3500, 1500)
    assert tier(campaign, "Atelier").claimed == 1


def test_a_pledge_below_its_rewards_minimum_is_refused(campaign, backer):
    error = refused_writing_nothing(
        BelowTierMinimum, campaign, lambda: pledge(campaign, backer, "29.99", tier=tier(campaign, "Atelier"))
    )
    assert error.code == "below_tier_minimum"
    assert list(error.fields or {}) == ["amount"]


def test_a_pledge_for_a_sold_out_reward_is_refused(campaign, backer, make_member):
    first = make_member(username="bruno")
    give_ach(first, "50")
    pledge(campaign, first, "30", tier=tier(campaign, "Atelier"))

    error = refused_writing_nothing(
        TierSoldOut, campaign, lambda: pledge(campaign, backer, "40", tier=tier(campaign, "Atelier"))
    )
    assert error.code == "tier_sold_out"
    assert tier(campaign, "Atelier").claimed == 1


def test_a_pledge_for_another_campaigns_reward_is_refused(campaign, backer, owner):
    other = live_campaign(owner, title="Autre", tiers=[{"title": "Ailleurs", "minimum": Money("1", "ACH")}])
    error = refused_writing_nothing(
        InvalidInput, campaign, lambda: pledge(campaign, backer, "10", tier=tier(other, "Ailleurs"))
    )
    assert list(error.fields or {}) == ["tier"]


def test_the_owner_cannot_back_their_own_campaign(campaign, owner):
    give_ach(owner, "50")
    refused_writing_nothing(OwnCampaign, campaign, lambda: pledge(campaign, owner, "10"))


def test_a_second_running_pledge_on_the_same_campaign_is_refused(campaign, backer):
    pledge(campaign, backer, "10")
    refused_writing_nothing(AlreadyPledged, campaign, lambda: pledge(campaign, backer, "5"))


def test_nobody_pledges_for_someone_else(campaign, backer, make_member):
    other = make_member(username="bruno")
    refused_writing_nothing(
        PermissionDenied,
        campaign,
        lambda: pledge_create(campaign=campaign, backer=backer, amount=Money("10", "ACH"), actor=other.user),
    )
    refused_writing_nothing(
        PermissionDenied,
        campaign,
        lambda: pledge_create(campaign=campaign, backer=backer, amount=Money("10", "ACH"), actor=moderator()),
    )


@pytest.mark.parametrize("amount", [Money("10", "HRS"), Money("10.001", "ACH"), Money("0", "ACH"), Money("-5", "ACH")])
def test_an_amount_in_another_unit_or_not_a_positive_amount_of_cents_is_refused(campaign, backer, amount):
    error = refused_writing_nothing(
        InvalidInput,
        campaign,
        lambda: pledge_create(campaign=campaign, backer=backer, amount=amount, actor=backer.user),
    )
    assert (error.status, list(error.fields or {})) == (400, ["amount"])


def test_a_pledge_beyond_the_available_balance_is_refused_and_holds_nothing(campaign, backer):
    refused_writing_nothing(InsufficientFunds, campaign, lambda: pledge(campaign, backer, "50.01"))
    assert money_of(backer) == (5000, 0, 5000)
    assert pledge(campaign, backer, "50").amount == 5000
    assert money_of(backer) == (5000, 5000, 0)


def test_a_backer_whose_membership_expired_cannot_pledge(campaign, backer):
    Member.objects.filter(pk=backer.pk).update(membership_expires_on=timezone.localdate() - datetime.timedelta(days=1))
    backer.refresh_from_db()
    refused_writing_nothing(
        MembershipExpired, campaign, lambda: pledge(campaign, backer, "10", tier=tier(campaign, "Carte postale"))
    )


def test_a_backer_whose_account_is_frozen_cannot_pledge(campaign, backer):
    account_status_set(account=account_of(backer, "ACH"), status=Account.Status.FROZEN, actor=moderator())
    refused_writing_nothing(
        AccountFrozen, campaign, lambda: pledge(campaign, backer, "30", tier=tier(campaign, "Atelier"))
    )


# --- campaigns not open ---------------------------------------------------------------------


def test_pledges_are_refused_on_a_draft_or_a_submitted_campaign(owner, backer):
    campaign = draft_campaign(owner)
    refused_writing_nothing(CampaignClosed, campaign, lambda: pledge(campaign, backer, "10"))
    campaign_submit(campaign=campaign, actor=owner.user)
    refused_writing_nothing(CampaignClosed, campaign, lambda: pledge(campaign, backer, "10"))


def test_pledges_are_refused_before_the_start_of_an_approved_campaign(owner, backer):
    campaign = draft_campaign(owner, starts_in=datetime.timedelta(days=2))
    campaign_submit(campaign=campaign, actor=owner.user)
    campaign_approve(campaign=campaign, actor=moderator())

    error = refused_writing_nothing(CampaignClosed, campaign, lambda: pledge(campaign, backer, "10"))

    assert error.code == "campaign_closed"
    assert str(error.message) != str(CampaignClosed.default_message)  # it says when it opens


def test_pledges_are_refused_after_the_deadline_even_before_the_decision(campaign, backer):
    # The clock moves past the deadline; the closing task has not run yet.
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=10), deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    refused_writing_nothing(CampaignClosed, campaign, lambda: pledge(campaign, backer, "10"))
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.LIVE


def test_pledges_are_refused_once_the_campaign_is_decided_or_cancelled(campaign, backer, owner, make_member):
    early = make_member(username="bruno")
    give_ach(early, "50")
    running = pledge(campaign, early, "20")
    campaigns_close_due(now=past_deadline(campaign))
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.FAILED

    refused_writing_nothing(CampaignClosed, campaign, lambda: pledge(campaign, backer, "10"))
    refused_writing_nothing(
        CampaignClosed, campaign, lambda: pledge_change(pledge=running, amount=Money("30", "ACH"), actor=early.user)
    )
    refused_writing_nothing(CampaignClosed, campaign, lambda: pledge_withdraw(pledge=running, actor=early.user))

    cancelled = live_campaign(owner, title="Annulé")
    campaign_cancel(campaign=cancelled, actor=moderator(), reason="Doublon")
    refused_writing_nothing(CampaignClosed, cancelled, lambda: pledge(cancelled, backer, "10"))


# --- changing and withdrawing ---------------------------------------------------------------


def test_raising_a_pledge_replaces_its_hold_and_a_refused_raise_keeps_the_old_one(campaign, backer):
    first = pledge(campaign, backer, "20", tier=tier(campaign, "Carte postale"))
    old_hold = first.hold_id

    raised = pledge_change(pledge=first, amount=Money("45", "ACH"), actor=backer.user)

    assert (raised.amount, raised.version, raised.tier_id) == (4500, 2, tier(campaign, "Carte postale").pk)
    assert Hold.objects.get(pk=old_hold).status == Hold.Status.VOIDED
    assert (Hold.objects.get(pk=raised.hold_id).status, Hold.objects.get(pk=raised.hold_id).amount) == (
        Hold.Status.PENDING,
        4500,
    )
    assert money_of(backer) == (5000, 4500, 500)

    refused_writing_nothing(
        InsufficientFunds,
        campaign,
        lambda: pledge_change(pledge=raised, amount=Money("50.01", "ACH"), actor=backer.user),
    )
    refused_writing_nothing(
        BelowTierMinimum, campaign, lambda: pledge_change(pledge=raised, amount=Money("9", "ACH"), actor=backer.user)
    )
    lowered = pledge_change(pledge=raised, amount=Money("10", "ACH"), anonymous=True, actor=backer.user)
    assert (lowered.amount, lowered.version, lowered.anonymous) == (1000, 3, True)
    assert money_of(backer) == (5000, 1000, 4000)
    assert Hold.objects.filter(status=Hold.Status.PENDING).count() == 1


def test_changing_the_reward_moves_the_claim_and_a_sold_out_reward_is_refused(campaign, backer, make_member):
    postcard, workshop = tier(campaign, "Carte postale"), tier(campaign, "Atelier")
    first = pledge(campaign, backer, "30", tier=postcard)
    assert [tier(campaign, t).claimed for t in ("Carte postale", "Atelier")] == [1, 0]

    moved = pledge_change(pledge=first, tier=workshop, actor=backer.user)

    assert (moved.tier_id, moved.amount, moved.version, moved.hold_id) == (workshop.pk, 3000, 1, first.hold_id)
    assert [tier(campaign, t).claimed for t in ("Carte postale", "Atelier")] == [0, 1]
    other = make_member(username="bruno")
    give_ach(other, "50")
    second = pledge(campaign, other, "40", tier=postcard)
    refused_writing_nothing(
        TierSoldOut, campaign, lambda: pledge_change(pledge=second, tier=workshop, actor=other.user)
    )
    none = pledge_change(pledge=moved, tier=None, actor=backer.user)
    assert none.tier_id is None
    assert [tier(campaign, t).claimed for t in ("Carte postale", "Atelier")] == [1, 0]
    assert pledge_change(pledge=second, tier=workshop, actor=other.user).tier_id == workshop.pk
    assert [tier(campaign, t).claimed for t in ("Carte postale", "Atelier")] == [0, 1]


def test_a_withdrawn_pledge_releases_its_hold_and_reward_and_the_backer_may_pledge_again(campaign, backer):
    first = pledge(campaign, backer, "30", tier=tier(campaign, "Atelier"))

    withdrawn = pledge_withdraw(pledge=first, actor=backer.user)

    assert (withdrawn.status, withdrawn.resolved_at is not None) == (Pledge.Status.WITHDRAWN, True)
    assert Hold.objects.get(pk=first.hold_id).status == Hold.Status.VOIDED
    assert money_of(backer) == (5000, 0, 5000)
    assert tier(campaign, "Atelier").claimed == 0
    refused_writing_nothing(PledgeNotActive, campaign, lambda: pledge_withdraw(pledge=first, actor=backer.user))
    refused_writing_nothing(
        PledgeNotActive, campaign, lambda: pledge_change(pledge=first, amount=Money("5", "ACH"), actor=backer.user)
    )

    again = pledge(campaign, backer, "40", tier=tier(campaign, "Atelier"))
    assert (again.status, again.amount, again.pk != first.pk) == (Pledge.Status.ACTIVE, 4000, True)
    assert money_of(backer) == (5000, 4000, 1000)
    assert tier(campaign, "Atelier").claimed == 1


def test_only_the_backer_changes_or_withdraws_a_pledge(campaign, backer, owner, make_member):
    running = pledge(campaign, backer, "20")
    for actor in (make_member(username="bruno").user, owner.user, moderator()):
        refused_writing_nothing(
            PermissionDenied,
            campaign,
            lambda actor=actor: pledge_change(pledge=running, amount=Money("1", "ACH"), actor=actor),
        )
        refused_writing_nothing(
            PermissionDenied, campaign, lambda actor=actor: pledge_withdraw(pledge=running, actor=actor)
        )


# --- the generic hold API -------------------------------------------------------------------


@pytest.mark.parametrize("action", ["capture", "void"])
def test_the_generic_hold_api_refuses_to_resolve_a_pledges_hold(campaign, backer, staff_user, action):
    running = pledge(campaign, backer, "20")
    before = written(campaign)

    for user in (backer.user, staff_user):
        response = api_client_for(user).post(f"/api/holds/{running.hold_id}/{action}/", {}, format="json")
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "permission_denied"

    assert written(campaign) == before
    assert Hold.objects.get(pk=running.hold_id).status == Hold.Status.PENDING
