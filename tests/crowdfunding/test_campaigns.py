"""Campaign lifecycle: who may write, submit and moderate, what input is refused, tiers in draft only."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError, InvalidInput, PermissionDenied
from crowdfunding.errors import CampaignNotEditable, TransitionNotAllowed
from crowdfunding.models import Campaign, RewardTier
from crowdfunding.services.campaigns import (
    campaign_approve,
    campaign_cancel,
    campaign_create,
    campaign_send_back,
    campaign_submit,
    campaign_update,
    campaigns_open_due,
)
from crowdfunding.services.closing import campaigns_close_due
from crowdfunding.services.tiers import tier_create, tier_delete, tier_update
from ledger.models import Account
from members.models import Member
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator, past_deadline

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_member) -> Member:
    return make_member(username="fablab", kind=Member.Kind.ASSOCIATION)


def create(owner: Member, **changes: Any) -> Campaign:
    start = timezone.now()
    fields: dict[str, Any] = {
        "owner": owner,
        "title": "Un fablab aux Achards",
        "summary": "Des machines partagées.",
        "story": "Nous ouvrons un atelier.",
        "unit": "ACH",
        "goal": Money("100", "ACH"),
        "starts_at": start,
        "deadline": start + datetime.timedelta(days=30),
        "actor": owner.user,
    }
    fields.update(changes)
    return campaign_create(**fields)


def refused(error: type[ApplicationError], call: Any) -> ApplicationError:
    with pytest.raises(error) as caught:
        call()
    return caught.value


# --- writing --------------------------------------------------------------------------------


def test_a_new_campaign_is_a_draft_with_the_default_fee_of_its_unit_and_a_sanitised_story(owner):
    campaign = create(owner, story="Un atelier partagé.\n\nOuvert à <b>tous</b>.", stretch_goal=Money("150", "ACH"))

    assert (campaign.status, campaign.unit, campaign.goal, campaign.stretch_goal) == (
        Campaign.Status.DRAFT,
        "ACH",
        10000,
        15000,
    )
    assert campaign.fee_rate == Decimal("0.0300")
    assert campaign.story == "<p>Un atelier partagé.</p><p>Ouvert à &lt;b&gt;tous&lt;/b&gt;.</p>"
    assert campaign.escrow_account is None
    assert campaign.funding_model == Campaign.Model.ALL_OR_NOTHING
    hours = create(owner, unit="HRS", goal=Money("12.5", "HRS"))
    assert (hours.goal, hours.fee_rate) == (1250, Decimal("0"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"deadline": "same as start"}, "deadline"),
        ({"deadline": "before start"}, "deadline"),
        ({"deadline": "91 days"}, "deadline"),
        ({"goal": Money("0", "ACH")}, "goal"),
        ({"goal": Money("-5", "ACH")}, "goal"),
        ({"goal": Money("10.001", "ACH")}, "goal"),
        ({"goal": Money("10", "HRS")}, "goal"),
        ({"stretch_goal": Money("100", "ACH")}, "stretch_goal"),
        ({"stretch_goal": Money("99.99", "ACH")}, "stretch_goal"),
        ({"unit": "EUR", "goal": Money("100", "EUR")}, "unit"),
        ({"unit": "GRN", "goal": Money("100", "GRN")}, "unit"),
        ({"title": "x" * 121}, "title"),
        ({"title": "   "}, "title"),
        ({"summary": "x" * 301}, "summary"),
        ({"story": "x" * 20001}, "story"),
        ({"story": "<p><script>alert('x')</script></p>"}, "story"),
        ({"story": "<div><br></div>"}, "story"),
        ({"story": ""}, "story"),
        ({"funding_model": "winner_takes_all"}, "funding_model"),
    ],
)
def test_invalid_campaign_input_is_refused_with_the_field_and_writes_nothing(owner, changes, field):
    start = timezone.now()
    moments = {
        "same as start": start,
        "before start": start - datetime.timedelta(seconds=1),
        "91 days": start + datetime.timedelta(days=91),
    }
    changes = dict(changes)
    if "deadline" in changes:
        changes["deadline"] = moments[changes["deadline"]]

    error = refused(InvalidInput, lambda: create(owner, starts_at=start, **changes))

    assert error.status == 400
    assert error.fields is not None and list(error.fields) == [field]
    assert Campaign.objects.count() == 0


def test_the_longest_campaign_allowed_runs_ninety_days(owner):
    start = timezone.now()
    campaign = create(owner, starts_at=start, deadline=start + datetime.timedelta(days=90))
    assert campaign.deadline - campaign.starts_at == datetime.timedelta(days=90)


def test_nobody_may_start_a_campaign_for_someone_else(owner, make_member):
    other = make_member(username="intrus")
    refused(PermissionDenied, lambda: create(owner, actor=other.user))
    refused(PermissionDenied, lambda: create(owner, actor=moderator()))
    assert Campaign.objects.count() == 0


def test_only_the_owner_edits_a_draft_and_only_while_it_is_a_draft(owner, make_member):
    campaign = draft_campaign(owner)
    other = make_member(username="intrus")

    refused(PermissionDenied, lambda: campaign_update(campaign=campaign, actor=other.user, title="Piraté"))
    refused(PermissionDenied, lambda: campaign_update(campaign=campaign, actor=moderator(), title="Piraté"))
    refused(InvalidInput, lambda: campaign_update(campaign=campaign, actor=owner.user, fee_rate="0"))
    campaign.refresh_from_db()
    assert campaign.title == "Un fablab aux Achards"

    edited = campaign_update(campaign=campaign, actor=owner.user, title="Le fablab", goal=Money("250", "ACH"))
    assert (edited.title, edited.goal) == ("Le fablab", 25000)
    error = refused(
        InvalidInput, lambda: campaign_update(campaign=campaign, actor=owner.user, stretch_goal=Money("250", "ACH"))
    )
    assert list(error.fields or {}) == ["stretch_goal"]

    campaign_submit(campaign=campaign, actor=owner.user)
    refused(CampaignNotEditable, lambda: campaign_update(campaign=campaign, actor=owner.user, title="Trop tard"))
    campaign.refresh_from_db()
    assert (campaign.title, campaign.goal, campaign.stretch_goal) == ("Le fablab", 25000, None)


# --- moderation -----------------------------------------------------------------------------


def test_only_the_owner_submits_and_submitting_twice_changes_nothing(owner, make_member):
    campaign = draft_campaign(owner)
    refused(PermissionDenied, lambda: campaign_submit(campaign=campaign, actor=make_member(username="x").user))
    refused(PermissionDenied, lambda: campaign_submit(campaign=campaign, actor=moderator()))
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT

    assert campaign_submit(campaign=campaign, actor=owner.user).status == Campaign.Status.SUBMITTED
    assert campaign_submit(campaign=campaign, actor=owner.user).status == Campaign.Status.SUBMITTED


def test_only_staff_approve_or_send_back_and_nothing_is_opened_when_refused(owner, make_member):
    campaign = draft_campaign(owner)
    refused(TransitionNotAllowed, lambda: campaign_approve(campaign=campaign, actor=moderator()))
    campaign_submit(campaign=campaign, actor=owner.user)
    neighbour = make_member(username="voisin")
    accounts_before = Account.objects.count()

    for actor in (owner.user, neighbour.user, None):
        refused(PermissionDenied, lambda actor=actor: campaign_approve(campaign=campaign, actor=actor))
        refused(PermissionDenied, lambda actor=actor: campaign_send_back(campaign=campaign, actor=actor, comment="Non"))
    campaign.refresh_from_db()
    assert (campaign.status, campaign.escrow_account, campaign.moderation_comment) == (
        Campaign.Status.SUBMITTED,
        None,
        "",
    )
    assert Account.objects.count() == accounts_before


def test_approval_opens_one_escrow_account_per_campaign_in_its_unit(owner):
    first = live_campaign(owner)
    second = live_campaign(owner, unit="HRS", goal="20")
    accounts = Account.objects.count()

    again = campaign_approve(campaign=first, actor=moderator())

    assert again.escrow_account_id == first.escrow_account_id
    assert Account.objects.count() == accounts
    escrows = Account.objects.filter(system_code=Account.SystemCode.ESCROW).order_by("id")
    assert [(a.kind, a.unit, a.reference, a.balance, a.min_balance, a.max_balance) for a in escrows] == [
        (Account.Kind.SYSTEM, "ACH", f"campaign:{first.pk}", 0, 0, None),
        (Account.Kind.SYSTEM, "HRS", f"campaign:{second.pk}", 0, 0, None),
    ]
    assert [first.escrow_account_id, second.escrow_account_id] == [a.pk for a in escrows]
    assert first.moderated_by == moderator()


def test_approval_with_a_custom_fee_rate_is_checked(owner):
    campaign = draft_campaign(owner)
    campaign_submit(campaign=campaign, actor=owner.user)
    refused(InvalidInput, lambda: campaign_approve(campaign=campaign, actor=moderator(), fee_rate="0.5"))
    refused(InvalidInput, lambda: campaign_approve(campaign=campaign, actor=moderator(), fee_rate="0.00001"))
    campaign.refresh_from_db()
    assert (campaign.status, campaign.escrow_account) == (Campaign.Status.SUBMITTED, None)

    approved = campaign_approve(campaign=campaign, actor=moderator(), fee_rate="0.05")
    assert (approved.status, approved.fee_rate) == (Campaign.Status.LIVE, Decimal("0.0500"))


def test_a_campaign_approved_before_its_start_waits_then_the_opening_task_makes_it_live(owner):
    campaign = draft_campaign(owner, starts_in=datetime.timedelta(days=3))
    campaign_submit(campaign=campaign, actor=owner.user)

    approved = campaign_approve(campaign=campaign, actor=moderator())

    assert approved.status == Campaign.Status.APPROVED
    assert approved.escrow_account is not None
    assert campaigns_open_due() == 0
    assert campaigns_open_due(now=approved.starts_at - datetime.timedelta(seconds=1)) == 0
    approved.refresh_from_db()
    assert approved.status == Campaign.Status.APPROVED

    assert campaigns_open_due(now=approved.starts_at) == 1
    assert campaigns_open_due(now=approved.starts_at) == 0
    approved.refresh_from_db()
    assert approved.status == Campaign.Status.LIVE
    # Past its deadline, an approved campaign never opens: the closing task decides it instead.
    late = draft_campaign(owner, starts_in=datetime.timedelta(days=3), days=5)
    campaign_submit(campaign=late, actor=owner.user)
    late = campaign_approve(campaign=late, actor=moderator())
    assert campaigns_open_due(now=late.deadline) == 0


def test_sending_back_keeps_the_comments_and_returns_the_campaign_to_its_owner_as_a_draft(owner):
    campaign = draft_campaign(owner)
    campaign_submit(campaign=campaign, actor=owner.user)
    refused(InvalidInput, lambda: campaign_send_back(campaign=campaign, actor=moderator(), comment="  "))

    back = campaign_send_back(campaign=campaign, actor=moderator(), comment="Ajoutez une photo de l'atelier.")

    assert (back.status, back.moderation_comment, back.moderated_by, back.escrow_account) == (
        Campaign.Status.DRAFT,
        "Ajoutez une photo de l'atelier.",
        moderator(),
        None,
    )
    refused(TransitionNotAllowed, lambda: campaign_send_back(campaign=campaign, actor=moderator(), comment="Encore"))
    # The owner edits and submits again; the comments stay until a moderator decides.
    campaign_update(campaign=campaign, actor=owner.user, summary="Avec photos.")
    resubmitted = campaign_submit(campaign=campaign, actor=owner.user)
    assert (resubmitted.status, resubmitted.moderation_comment) == (
        Campaign.Status.SUBMITTED,
        "Ajoutez une photo de l'atelier.",
    )


def test_a_submission_whose_deadline_passed_is_refused(owner):
    campaign = draft_campaign(owner, days=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=2), deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    error = refused(InvalidInput, lambda: campaign_submit(campaign=campaign, actor=owner.user))
    assert list(error.fields or {}) == ["deadline"]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_the_owner_may_cancel_a_draft_or_a_submission(owner, make_member):
    draft = draft_campaign(owner)
    refused(PermissionDenied, lambda: campaign_cancel(campaign=draft, actor=make_member().user, reason="Non"))
    refused(InvalidInput, lambda: campaign_cancel(campaign=draft, actor=owner.user, reason=""))
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT
    submitted = draft_campaign(owner)
    campaign_submit(campaign=submitted, actor=owner.user)

    assert campaign_cancel(campaign=submitted, actor=owner.user, reason="Abandon").status == Campaign.Status.CANCELLED
    assert campaign_cancel(campaign=draft, actor=owner.user, reason="Abandon").status == Campaign.Status.CANCELLED


def test_the_owner_may_not_cancel_an_approved_campaign_but_a_moderator_may_until_the_decision(owner):
    live = live_campaign(owner)
    refused(TransitionNotAllowed, lambda: campaign_cancel(campaign=live, actor=owner.user, reason="Abandon"))
    live.refresh_from_db()
    assert live.status == Campaign.Status.LIVE
    cancelled = campaign_cancel(campaign=live, actor=moderator(), reason="Projet abandonné")
    assert (cancelled.status, cancelled.cancelled_reason) == (Campaign.Status.CANCELLED, "Projet abandonné")
    assert campaign_cancel(campaign=live, actor=moderator(), reason="Encore").cancelled_reason == "Projet abandonné"

    decided = live_campaign(owner, title="Décidé")
    campaigns_close_due(now=past_deadline(decided))
    decided.refresh_from_db()
    assert decided.status == Campaign.Status.FAILED
    refused(TransitionNotAllowed, lambda: campaign_cancel(campaign=decided, actor=moderator(), reason="Trop tard"))
    decided.refresh_from_db()
    assert (decided.status, decided.cancelled_reason) == (Campaign.Status.FAILED, "")


# --- tiers ----------------------------------------------------------------------------------


def test_tiers_are_written_by_the_owner_of_a_draft_only(owner, make_member):
    campaign = draft_campaign(owner)
    other = make_member(username="intrus")
    refused(
        PermissionDenied,
        lambda: tier_create(campaign=campaign, title="Badge", minimum=Money("5", "ACH"), actor=other.user),
    )
    badge = tier_create(
        campaign=campaign,
        title="Badge",
        minimum=Money("5", "ACH"),
        stock=50,
        estimated_delivery=datetime.date(2027, 6, 1),
        actor=owner.user,
    )
    poster = tier_create(campaign=campaign, title="Affiche", minimum=Money("15.50", "ACH"), actor=owner.user)
    assert [(t.title, t.minimum, t.stock, t.claimed, t.position) for t in campaign.tiers.all()] == [
        ("Badge", 500, 50, 0, 1),
        ("Affiche", 1550, None, 0, 2),
    ]
    for stock in (0, -1, 100001, True, "5"):
        refused(InvalidInput, lambda stock=stock: tier_update(tier=badge, stock=stock, actor=owner.user))
    refused(InvalidInput, lambda: tier_update(tier=badge, minimum=Money("0", "ACH"), actor=owner.user))
    refused(InvalidInput, lambda: tier_update(tier=badge, title="", actor=owner.user))
    refused(PermissionDenied, lambda: tier_update(tier=badge, title="Piraté", actor=other.user))
    assert tier_update(tier=badge, stock=None, actor=owner.user).stock is None
    tier_delete(tier=poster, actor=owner.user)
    assert list(campaign.tiers.values_list("title", "stock")) == [("Badge", None)]

    campaign_submit(campaign=campaign, actor=owner.user)
    refused(
        CampaignNotEditable,
        lambda: tier_create(campaign=campaign, title="Tard", minimum=Money("5", "ACH"), actor=owner.user),
    )
    campaign_approve(campaign=campaign, actor=moderator())
    refused(CampaignNotEditable, lambda: tier_update(tier=badge, stock=1, actor=owner.user))
    refused(CampaignNotEditable, lambda: tier_delete(tier=badge, actor=owner.user))
    assert list(RewardTier.objects.values_list("title", "minimum", "stock")) == [("Badge", 500, None)]
