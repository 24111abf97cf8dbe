"""Pledges, campaign goals and matching caps read amounts through the one parser (core.amounts)."""

from __future__ import annotations

import pytest

from crowdfunding.models import Campaign, MatchingPool, Pledge
from crowdfunding.services.campaigns import campaign_submit
from ledger.models import Hold
from tests.conftest import account_of, api_client_for
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator
from tests.crowdfunding.test_pages_owner import campaign_form
from tests.crowdfunding.test_pages_public import browse, ledger_counts
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db

ENGLISH_ERROR = "Enter an amount in digits, such as “12.50”."


def english_duration_error(text: str) -> str:
    return f"“{text}” is a duration: choose the unit Hours, or type an amount in digits."


@pytest.fixture
def owner(make_member):
    return make_member(username="fablab", display_name="Fablab des Achards")


@pytest.fixture
def backer(make_member):
    member = make_member(username="helene", display_name="Hélène Bernard")
    give_ach(member, "100")
    return member


def test_a_pledge_of_1_h_30_to_a_campaign_in_hours_holds_150_hundredths(owner, backer):
    campaign = live_campaign(owner, unit="HRS", goal="40")
    response = browse(backer.user).post(f"/campaigns/{campaign.pk}/back/", {"amount": "1 h 30"})
    assert response.status_code == 302, response.content.decode()
    assert Pledge.objects.get().amount == 150
    assert Hold.objects.get().amount == 150
    assert account_of(backer, "HRS").held == 150


@pytest.mark.parametrize("amount", ["1 h 30", "1_0", "\u0661", "\uff11", "1e1"])
def test_a_malformed_pledge_in_ach_is_a_form_error_and_holds_nothing(owner, backer, amount):
    campaign = live_campaign(owner)
    before = ledger_counts()
    page = browse(backer.user).post(f"/campaigns/{campaign.pk}/back/", {"amount": amount})
    assert page.status_code == 422
    expected = english_duration_error(amount) if " h " in amount else ENGLISH_ERROR
    assert page.context["form"].errors["amount"] == [expected]
    assert Pledge.objects.count() == 0
    assert ledger_counts() == before


def test_a_campaign_goal_typed_with_a_thousands_space_is_read_exactly(owner):
    response = browse(owner.user).post("/campaigns/new/", campaign_form(goal="1 500", stretch_goal="2\u00a0000,50"))
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.goal, campaign.stretch_goal) == (150000, 200050)


def test_a_campaign_goal_in_hours_may_be_typed_as_a_duration_but_not_one_in_ach(owner):
    client = browse(owner.user)
    assert client.post("/campaigns/new/", campaign_form(unit="HRS", goal="40 h", stretch_goal="")).status_code == 302
    assert Campaign.objects.get().goal == 4000
    refused = client.post("/campaigns/new/", campaign_form(unit="ACH", goal="40 h", stretch_goal=""))
    assert refused.status_code == 422
    assert refused.context["form"].errors["goal"] == [english_duration_error("40 h")]
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize("goal", ["1_000", "\uff11\uff10\uff10", "1e3"])
def test_a_malformed_campaign_goal_is_a_form_error_and_creates_nothing(owner, goal):
    page = browse(owner.user).post("/campaigns/new/", campaign_form(goal=goal))
    assert page.status_code == 422
    assert page.context["form"].errors["goal"] == [ENGLISH_ERROR]
    assert Campaign.objects.count() == 0


def test_a_matching_cap_typed_as_1_0_is_refused_and_no_pool_is_created(owner, make_member):
    campaign = live_campaign(owner)
    sponsor = make_member(username="sponsor")
    give_ach(sponsor, "100")
    page = browse(sponsor.user).post(f"/campaigns/{campaign.pk}/pools/new/", {"ratio": "1", "total_cap": "1_0"})
    assert page.status_code == 422
    assert page.context["pool_form"].errors["total_cap"] == [ENGLISH_ERROR]
    assert MatchingPool.objects.count() == 0


@pytest.mark.parametrize("amount", ["1_0", "\u0661", "\uff11", "1e1", 10])
def test_the_pledge_api_refuses_the_same_inputs_with_400_and_holds_nothing(owner, backer, amount):
    campaign = live_campaign(owner)
    before = ledger_counts()
    response = api_client_for(backer.user).post(
        f"/api/campaigns/{campaign.pk}/pledges/", {"amount": amount}, format="json", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"amount": [ENGLISH_ERROR]}
    assert Pledge.objects.count() == 0
    assert ledger_counts() == before


@pytest.mark.parametrize("ratio", ["1_0", "\u0661", "\uff11", "1e0", 1])
def test_a_matching_ratio_in_the_api_takes_only_a_decimal_string_and_creates_no_pool(owner, make_member, ratio):
    campaign = live_campaign(owner)
    sponsor = make_member(username="sponsor")
    give_ach(sponsor, "100")
    response = api_client_for(sponsor.user).post(
        f"/api/campaigns/{campaign.pk}/matching-pools/", {"ratio": ratio, "total_cap": "25"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["ratio"]
    assert MatchingPool.objects.count() == 0


@pytest.mark.parametrize("fee_rate", ["0_05", "\u0660.05", "5e-2", 0.05])
def test_a_fee_rate_in_the_api_takes_only_a_decimal_string_and_approves_nothing(owner, fee_rate):
    draft = draft_campaign(owner)
    campaign_submit(campaign=draft, actor=owner.user)
    response = api_client_for(moderator()).post(
        f"/api/campaigns/{draft.pk}/approve/", {"fee_rate": fee_rate}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["fee_rate"]
    draft.refresh_from_db()
    assert (draft.status, draft.escrow_account_id) == (Campaign.Status.SUBMITTED, None)


def test_a_matching_ratio_on_the_page_with_arabic_indic_digits_is_a_form_error(owner, make_member):
    campaign = live_campaign(owner)
    sponsor = make_member(username="sponsor")
    give_ach(sponsor, "100")
    page = browse(sponsor.user).post(f"/campaigns/{campaign.pk}/pools/new/", {"ratio": "\u0661", "total_cap": "25"})
    assert page.status_code == 422
    assert page.context["pool_form"].errors["ratio"] == [ENGLISH_ERROR]
    assert MatchingPool.objects.count() == 0
