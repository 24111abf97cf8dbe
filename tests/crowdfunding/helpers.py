"""Campaigns set up through the services, as owners and moderators reach them."""

from __future__ import annotations

import datetime
from typing import Any

from crowdfunding.models import Campaign, RewardTier
from members.models import Member
from tests.factories import CampaignFactory
from tests.factories import moderator as moderator  # the crowdfunding tests import it from here


def draft_campaign(owner: Member, **fields: Any) -> Campaign:
    """A draft of `owner`'s (CampaignFactory's defaults: 100 ACH, all or nothing, 30 days from now)."""
    return CampaignFactory(owner=owner, **fields)


def live_campaign(owner: Member, *, tiers: list[dict[str, Any]] | None = None, **fields: Any) -> Campaign:
    """A campaign written, given its rewards, submitted and approved: open for pledges now."""
    return CampaignFactory(owner=owner, live=True, tiers=tiers or [], **fields)


def tier(campaign: Campaign, title: str) -> RewardTier:
    return campaign.tiers.get(title=title)


def past_deadline(campaign: Campaign) -> datetime.datetime:
    """A moment just after the deadline, for closing as the beat task would then."""
    return campaign.deadline + datetime.timedelta(seconds=1)
