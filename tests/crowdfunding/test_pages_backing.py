"""Backing through the form: the hold is exactly the amount, changing moves it, withdrawing
releases it, and every refusal shows the form again with its error and writes nothing."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from crowdfunding.models import Pledge, RewardTier
from crowdfunding.services.closing import campaign_close
from crowdfunding.services.pledges import pledge_create
from ledger.models import Hold
from tests.conftest import account_of
from tests.crowdfunding.helpers import draft_campaign, live_campaign, past_deadline, tier
from tests.crowdfunding.test_pages_public import TIERS, browse, html, ledger_counts
from tests.currency.funding import give_ach


@pytest.fixture
def owner(make_member):
    return make_member(username="fablab", display_name="Fablab des Achards")


@pytest.fixture
def backer(make_member):
    member = make_member(username="helene", display_name="Hélène Bernard")
    give_ach(member, "100")
    return member


@pytest.fixture
def campaign(owner):
    return live_campaign(owner, tiers=TIERS)


def held(member) -> tuple[int, int]:
    account = account_of(member, "ACH")
    return account.balance, account.held


def test_the_back_page_needs_a_login_and_a_visible_campaign(db, owner, backer, campaign):
    response = browse().get(f"/campaigns/{campaign.pk}/back/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    draft = draft_campaign(owner, title="Brouillon")
    assert browse(backer.user).get(f"/campaigns/{draft.pk}/back/").status_code == 404


def test_the_back_page_shows_the_balance_the_hold_and_the_rewards(db, backer, campaign):
    page = html(browse(backer.user).get(f"/campaigns/{campaign.pk}/back/"))
    assert '<strong class="figure" data-testid="available">100.00 ACH</strong>' in page
    assert "The amount is held on your account until" in page and "taken only if the campaign succeeds" in page
    canvas = tier(campaign, "Sac en toile")
    assert f'id="tier-{canvas.pk}" data-minimum="10.00"' in page
    assert "1 left" in page and "Unlimited" in page
    assert 'id="tier-none" checked' in page


def test_a_reward_link_prefills_its_minimum_the_french_way(db, backer, campaign):
    workshop = tier(campaign, "Atelier découverte")
    page = html(browse(backer.user, language="fr").get(f"/campaigns/{campaign.pk}/back/?tier={workshop.pk}"))
    assert 'name="amount" value="40,00"' in page
    assert f'value="{workshop.pk}" id="tier-{workshop.pk}" data-minimum="40,00" checked' in page


def test_backing_through_the_form_holds_exactly_the_amount(db, backer, campaign):
    client = browse(backer.user)
    canvas = tier(campaign, "Sac en toile")
    response = client.post(f"/campaigns/{campaign.pk}/back/", {"tier": canvas.pk, "amount": "12.50", "show_name": "on"})
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/"
    pledge = Pledge.objects.get()
    assert (pledge.backer, pledge.tier, pledge.amount, pledge.anonymous, pledge.status) == (
        backer,
        canvas,
        1250,
        False,
        Pledge.Status.ACTIVE,
    )
    assert held(backer) == (10000, 1250)
    assert Hold.objects.get().amount == 1250
    assert RewardTier.objects.get(pk=canvas.pk).claimed == 1
    page = html(client.get(response["Location"]))
    assert "Thank you! 12.50 ACH is held on your account until" in page
    assert '<strong data-testid="my-pledge-amount">12.50 ACH</strong>' in page


def test_resending_the_same_form_creates_no_second_pledge(db, backer, campaign):
    client = browse(backer.user)
    form = {"tier": "", "amount": "20"}
    assert client.post(f"/campaigns/{campaign.pk}/back/", form).status_code == 302
    counts = ledger_counts()
    response = client.post(f"/campaigns/{campaign.pk}/back/", form)
    assert response.status_code == 422
    assert "You already back this campaign: change your pledge instead." in response.content.decode()
    assert Pledge.objects.count() == 1 and ledger_counts() == counts
    assert held(backer) == (10000, 2000)


def test_changing_the_pledge_moves_the_hold(db, backer, campaign):
    pledge = pledge_create(campaign=campaign, backer=backer, amount=Money("20", "ACH"), actor=backer.user)
    client = browse(backer.user)
    page = html(client.get(f"/campaigns/{campaign.pk}/back/"))
    assert f'name="pledge" value="{pledge.pk}"' in page and 'name="amount" value="20.00"' in page
    assert '<strong class="figure" data-testid="available">80.00 ACH</strong>' in page
    workshop = tier(campaign, "Atelier découverte")
    response = client.post(
        f"/campaigns/{campaign.pk}/back/", {"pledge": pledge.pk, "tier": workshop.pk, "amount": "45"}
    )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert (pledge.amount, pledge.tier, pledge.version) == (4500, workshop, 2)
    assert held(backer) == (10000, 4500)
    assert list(Hold.objects.order_by("id").values_list("amount", "status")) == [(2000, "voided"), (4500, "pending")]
    assert "Your pledge is changed: 45.00 ACH is now held until" in html(client.get(response["Location"]))
    client.post(f"/campaigns/{campaign.pk}/back/", {"pledge": pledge.pk, "tier": "", "amount": "5"})
    pledge.refresh_from_db()
    assert (pledge.amount, pledge.tier) == (500, None)
    assert held(backer) == (10000, 500)
    assert RewardTier.objects.get(pk=workshop.pk).claimed == 0


def test_withdrawing_releases_the_hold(db, backer, campaign):
    canvas = tier(campaign, "Sac en toile")
    pledge = pledge_create(campaign=campaign, backer=backer, amount=Money("15", "ACH"), tier=canvas, actor=backer.user)
    client = browse(backer.user)
    page = html(client.get(f"/campaigns/{campaign.pk}/back/"))
    assert "The 15.00 ACH held on your account are released at once" in page
    response = client.post(f"/campaigns/{campaign.pk}/withdraw/", {"pledge": pledge.pk})
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/"
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.WITHDRAWN
    assert held(backer) == (10000, 0)
    assert RewardTier.objects.get(pk=canvas.pk).claimed == 0
    assert "Your pledge is withdrawn: the 15.00 ACH held are released." in html(client.get(response["Location"]))
    counts = ledger_counts()
    again = client.post(f"/campaigns/{campaign.pk}/withdraw/", {"pledge": pledge.pk}, follow=True)
    assert "This pledge is no longer running" in again.content.decode() and ledger_counts() == counts
    assert client.get(f"/campaigns/{campaign.pk}/withdraw/").status_code == 405


def _refused(client, campaign, data, message: str, members, field: str | None = None) -> None:
    """Post the form, expect it back with `message`, and nothing written anywhere."""
    before = (ledger_counts(), Pledge.objects.count(), [held(m) for m in members], _claimed(campaign))
    response = client.post(f"/campaigns/{campaign.pk}/back/", data)
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    if field is not None:  # said on the field itself, not only above the form
        assert f'<span class="error" role="alert">{message}</span>' in page
    assert 'id="pledge-form"' in page
    after = (ledger_counts(), Pledge.objects.count(), [held(m) for m in members], _claimed(campaign))
    assert after == before


def _claimed(campaign) -> list[int]:
    return list(RewardTier.objects.filter(campaign=campaign).order_by("id").values_list("claimed", flat=True))


def test_a_pledge_beyond_the_available_balance_is_refused_and_holds_nothing(db, backer, campaign):
    _refused(
        browse(backer.user),
        campaign,
        {"tier": "", "amount": "100.01"},
        "Not enough available on Hélène Bernard: 100.00 ACH available.",
        [backer],
        field="amount",
    )


def test_a_pledge_below_the_reward_minimum_is_refused_and_holds_nothing(db, backer, campaign):
    workshop = tier(campaign, "Atelier découverte")
    _refused(
        browse(backer.user),
        campaign,
        {"tier": workshop.pk, "amount": "39.99"},
        "At least 40.00 ACH.",
        [backer],
        field="amount",
    )


def test_a_sold_out_reward_is_disabled_and_refused(db, backer, campaign, make_member):
    canvas = tier(campaign, "Sac en toile")
    first = make_member()
    give_ach(first, "20")
    pledge_create(campaign=campaign, backer=first, amount=Money("10", "ACH"), tier=canvas, actor=first.user)
    client = browse(backer.user)
    page = html(client.get(f"/campaigns/{campaign.pk}/back/"))
    assert f'id="tier-{canvas.pk}" data-minimum="10.00" disabled' in page
    assert "Sold out" in page
    _refused(client, campaign, {"tier": canvas.pk, "amount": "10"}, "is sold out.", [backer, first])


def test_the_owner_cannot_back_the_own_campaign(db, owner, campaign):
    give_ach(owner, "50")
    _refused(browse(owner.user), campaign, {"tier": "", "amount": "10"}, "You cannot back your own campaign.", [owner])


def test_a_closed_campaign_refuses_pledges(db, backer, campaign):
    campaign_close(campaign=campaign, now=past_deadline(campaign))
    client = browse(backer.user)
    assert "This campaign is not open for pledges." in client.get(f"/campaigns/{campaign.pk}/back/").content.decode()
    _refused(client, campaign, {"tier": "", "amount": "10"}, "This campaign is not open for pledges.", [backer])


def test_malformed_amounts_are_refused_without_a_500(db, backer, campaign):
    client = browse(backer.user)
    for amount in ("", "abc", "1.001", "-5", "0"):
        response = client.post(f"/campaigns/{campaign.pk}/back/", {"tier": "", "amount": amount})
        assert response.status_code == 422, amount
    response = client.post(f"/campaigns/{campaign.pk}/back/", {"tier": "999999", "amount": "10"})
    assert response.status_code == 422
    assert Pledge.objects.count() == 0 and Hold.objects.count() == 0
