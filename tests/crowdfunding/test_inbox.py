"""Crowdfunding's inbox providers: backed campaigns ending within a week, the moderators' queue."""

from __future__ import annotations

import pytest

from core.inbox import inbox_of
from crowdfunding.inbox import campaigns_ending_soon, campaigns_to_moderate
from crowdfunding.models import Campaign
from crowdfunding.services.campaigns import campaign_submit
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator
from tests.factories import PledgeFactory

pytestmark = pytest.mark.django_db


def test_a_backer_sees_the_campaigns_they_back_that_end_within_7_days(make_member):
    owner, backer = make_member(username="fablab"), make_member(username="voisine")
    soon = live_campaign(owner, days=5, title="Bientôt fini")
    later = live_campaign(owner, days=30, title="Plus tard")
    also_soon = live_campaign(owner, days=6, title="Aussi bientôt")
    assert Campaign.objects.filter(status=Campaign.Status.LIVE).count() == 3
    PledgeFactory(campaign=soon, backer=backer, amount="10")
    PledgeFactory(campaign=later, backer=backer, amount="10")
    assert [(item.key, item.kind, item.count, item.url) for item in campaigns_ending_soon(backer.user)] == [
        ("campaigns", "member", 1, "/campaigns/mine/#pledges-heading")
    ]
    PledgeFactory(campaign=also_soon, backer=backer, amount="10")
    [item] = campaigns_ending_soon(backer.user)
    assert (item.count, str(item.label)) == (2, "campagnes que vous soutenez se terminent dans moins de 7 jours")
    # The owner backs nothing; someone who backs nothing sees nothing.
    assert campaigns_ending_soon(owner.user) == []
    assert inbox_of(make_member(username="autre").user).counts == {}


def test_moderators_see_submitted_campaigns_members_do_not(make_member):
    owner = make_member(username="fablab")
    [empty] = campaigns_to_moderate(moderator())  # nothing to review: the page, as a shortcut
    assert (empty.count, empty.url, str(empty.label)) == (None, "/campaigns/moderation/", "Campagnes à modérer")
    for title in ("Un", "Deux"):
        campaign_submit(campaign=draft_campaign(owner, title=title), actor=owner.user)
    draft_campaign(owner, title="Brouillon")
    [item] = campaigns_to_moderate(moderator())
    assert (item.key, item.kind, item.count, item.url, str(item.label)) == (
        "moderation",
        "staff",
        2,
        "/campaigns/moderation/",
        "campagnes à modérer",
    )
    assert inbox_of(moderator()).counts == {"moderation": 2}
    assert campaigns_to_moderate(owner.user) == []
    assert "moderation" not in inbox_of(owner.user).counts
