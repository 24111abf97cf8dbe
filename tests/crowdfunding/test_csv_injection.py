"""The backers' CSV neutralises names and reward titles people typed; amounts stay numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from djmoney.money import Money

from crowdfunding.services.pledges import pledge_create
from members.models import Member
from tests.core.csv_checks import HOSTILE, column, is_neutralised, number, rows_of
from tests.crowdfunding.helpers import live_campaign, tier
from tests.crowdfunding.test_pages_public import browse
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


def test_backers_names_and_reward_titles_are_neutralised_and_amounts_stay_numbers(make_member):
    owner = make_member(username="fablab")
    campaign = live_campaign(owner, tiers=[{"title": HOSTILE["plus"], "minimum": Money("1", "ACH")}])
    reward = tier(campaign, HOSTILE["plus"])
    for index, name in enumerate(HOSTILE.values()):
        backer = make_member(username=f"backer{index}", display_name=name)
        give_ach(backer, "50")
        pledge_create(
            campaign=campaign, backer=backer, amount=Money(f"{index + 1}.25", "ACH"), tier=reward, actor=backer.user
        )
    rows = rows_of(browse(owner.user).get(f"/campaigns/{campaign.pk}/backers.csv?lang=en"))
    stored = {member.display_name for member in Member.objects.filter(user__username__startswith="backer")}
    names = column(rows, "Backer")
    assert len(names) == len(HOSTILE)
    assert all(any(is_neutralised(cell, name) for name in stored) for cell in names)
    assert column(rows, "Reward") == ["'" + HOSTILE["plus"]] * len(HOSTILE)
    amounts = sorted(number(cell) for cell in column(rows, "Amount"))
    assert amounts == [Decimal(f"{index + 1}.25") for index in range(len(HOSTILE))]
