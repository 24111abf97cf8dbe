"""Campaigns set up through the services, as owners and moderators reach them."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from djmoney.money import Money

from crowdfunding.models import Campaign, RewardTier
from crowdfunding.services.campaigns import campaign_approve, campaign_create, campaign_submit
from crowdfunding.services.tiers import tier_create
from members.models import Member

MODERATOR_PASSWORD = "bocage-test-password-1"


def moderator() -> User:
    user = User.objects.filter(username="moderatrice").first()
    return user or User.objects.create_user(
        username="moderatrice", password=MODERATOR_PASSWORD, is_staff=True, email="moderation@bocage.test"
    )


def draft_campaign(
    owner: Member,
    *,
    goal: str = "100",
    unit: str = "ACH",
    funding_model: str = Campaign.Model.ALL_OR_NOTHING,
    days: int = 30,
    starts_in: datetime.timedelta = datetime.timedelta(0),
    title: str = "Un fablab aux Achards",
    **extra: Any,
) -> Campaign:
    start = timezone.now() + starts_in - datetime.timedelta(minutes=1)
    return campaign_create(
        owner=owner,
        title=title,
        summary="Des machines partagées pour tout le Pays des Achards.",
        story="Nous ouvrons un atelier partagé.\n\nImprimante 3D, découpeuse laser, établi.",
        unit=unit,
        goal=Money(goal, unit),
        starts_at=start,
        deadline=start + datetime.timedelta(days=days),
        funding_model=funding_model,
        actor=owner.user,
        **extra,
    )


def live_campaign(owner: Member, *, tiers: list[dict[str, Any]] | None = None, **kwargs: Any) -> Campaign:
    """A campaign written, given its rewards, submitted and approved: open for pledges now."""
    campaign = draft_campaign(owner, **kwargs)
    for tier in tiers or []:
        tier_create(campaign=campaign, actor=owner.user, **tier)
    campaign_submit(campaign=campaign, actor=owner.user)
    return campaign_approve(campaign=campaign, actor=moderator())


def tier(campaign: Campaign, title: str) -> RewardTier:
    return campaign.tiers.get(title=title)


def past_deadline(campaign: Campaign) -> datetime.datetime:
    """A moment just after the deadline, for closing as the beat task would then."""
    return campaign.deadline + datetime.timedelta(seconds=1)
