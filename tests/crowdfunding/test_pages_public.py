"""Public pages of campaigns: the list (tabs, commune, search), a campaign's page, who may see what.

Pages are read in English (Accept-Language) so that the texts asserted stay the same when the
French catalogue gains the crowdfunding strings; amounts are formatted the French way either way.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from crowdfunding.models import Campaign, MatchingPool
from crowdfunding.services.campaigns import campaign_approve, campaign_cancel, campaign_submit
from crowdfunding.services.closing import campaign_close, campaign_decide, pledge_settle
from crowdfunding.services.pledges import pledge_create, pool_create
from crowdfunding.services.updates import campaign_update_post
from ledger.models import Hold, Transaction
from members.models import Commune
from tests.conftest import PASSWORD
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator, past_deadline, tier
from tests.currency.funding import give_ach

TIERS = [
    {"title": "Sac en toile", "minimum": Money("10", "ACH"), "stock": 1},
    {"title": "Atelier découverte", "minimum": Money("40", "ACH")},
]


def browse(user=None, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def ledger_counts() -> tuple[int, int]:
    return Hold.objects.count(), Transaction.objects.count()


def back(member, campaign, amount: str, tier_title: str | None = None, anonymous: bool = False):
    return pledge_create(
        campaign=campaign,
        backer=member,
        amount=Money(amount, campaign.unit),
        tier=tier(campaign, tier_title) if tier_title else None,
        anonymous=anonymous,
        actor=member.user,
    )


@pytest.fixture
def owner(make_member):
    return make_member(
        username="fablab", display_name="Fablab des Achards", commune=Commune.objects.get(name="Martinet")
    )


@pytest.fixture
def backer(make_member):
    member = make_member(username="helene", display_name="Hélène Bernard", email="helene@example.org")
    give_ach(member, "100")
    return member


def test_the_list_is_public_and_puts_live_campaigns_first_with_their_progress(db, owner, backer):
    upcoming = draft_campaign(owner, title="Un café associatif", starts_in=datetime.timedelta(days=3))
    campaign_submit(campaign=upcoming, actor=owner.user)
    campaign_approve(campaign=upcoming, actor=moderator())
    live = live_campaign(owner, title="Un fablab aux Achards", goal="80")
    back(backer, live, "20")
    page = html(browse().get("/campaigns/"))
    assert page.index("Un fablab aux Achards") < page.index("Un café associatif")
    card = page.split(f'data-campaign="{live.pk}"')[1].split("</li>")[0]
    assert "20.00 ACH" in card and "of 80.00 ACH" in card and "25 %" in card
    assert 'role="progressbar"' in card and 'aria-valuenow="25"' in card
    assert "1 backer" in card and "29 days left" in card and "Martinet" in card
    assert "Des machines partagées" in card  # the summary


def test_the_tabs_filter_by_status_commune_and_search(db, owner, make_member):
    other = make_member(username="cafe", commune=Commune.objects.get(name="Le Girouard"))
    live_campaign(owner, title="Un fablab aux Achards")
    live_campaign(other, title="Un café associatif")
    failed = live_campaign(owner, title="Une ressourcerie")
    campaign_close(campaign=failed, now=past_deadline(failed))
    client = browse()
    everything = html(client.get("/campaigns/"))
    assert "Un fablab" in everything and "Un café" in everything and "Une ressourcerie" not in everything
    assert "Une ressourcerie" in html(client.get("/campaigns/?status=failed"))
    assert "Un fablab" not in html(client.get("/campaigns/?status=failed"))
    girouard = Commune.objects.get(name="Le Girouard").pk
    by_commune = html(client.get(f"/campaigns/?commune={girouard}"))
    assert "Un café" in by_commune and "Un fablab" not in by_commune
    searched = html(client.get("/campaigns/?q=fablab"))
    assert "Un fablab" in searched and "Un café" not in searched
    assert client.get("/campaigns/?commune=abc&status=nonsense").status_code == 200  # shown, never a 500


def test_drafts_and_submitted_campaigns_are_404_to_everyone_but_the_owner_and_staff(db, owner, make_member, staff_user):
    draft = draft_campaign(owner)
    submitted = draft_campaign(owner, title="Soumise")
    campaign_submit(campaign=submitted, actor=owner.user)
    stranger = make_member()
    for campaign in (draft, submitted):
        assert browse().get(f"/campaigns/{campaign.pk}/").status_code == 404
        assert browse(stranger.user).get(f"/campaigns/{campaign.pk}/").status_code == 404
        assert browse(owner.user).get(f"/campaigns/{campaign.pk}/").status_code == 200
        assert browse(staff_user).get(f"/campaigns/{campaign.pk}/").status_code == 200
    assert "Un fablab" not in html(browse().get("/campaigns/"))
    assert browse().get("/campaigns/999999/").status_code == 404


def test_the_campaign_page_tells_the_story_the_model_the_rewards_and_the_backers(db, owner, backer, make_member):
    campaign = live_campaign(owner, tiers=TIERS, goal="100", stretch_goal=Money("200", "ACH"))
    back(backer, campaign, "10", "Sac en toile", anonymous=True)
    second = make_member(display_name="Gaspard Roy")
    give_ach(second, "60")
    back(second, campaign, "50", "Atelier découverte")
    Campaign.objects.filter(pk=campaign.pk).update(
        story="<p>Nous ouvrons <strong>un atelier</strong>.</p><script>x</script>"
    )
    page = html(browse().get(f"/campaigns/{campaign.pk}/"))
    assert "<p>Nous ouvrons <strong>un atelier</strong>.</p>" in page  # the sanitised story, as HTML
    assert "60.00 ACH" in page and "of 100.00 ACH" in page and "60 %" in page
    assert 'class="cf-progress-goal" data-left="50" aria-hidden="true"' in page  # the goal marker
    assert "Stretch goal: 200.00 ACH" in page
    assert "All or nothing.</strong> If the goal is not reached by the deadline, nothing is taken" in page
    assert "Sold out" in page  # the one canvas bag is taken
    assert "Unlimited" in page
    backers = page.split('data-testid="backers"')[1].split("</ul>")[0]
    assert "Anonymous" in backers and "Gaspard Roy" in backers and "Hélène" not in backers
    assert "2 backers" in page and 'id="back-project"' in page
    assert f'href="/campaigns/{campaign.pk}/back/?tier={tier(campaign, "Atelier découverte").pk}"' in page
    assert f'?tier={tier(campaign, "Sac en toile").pk}"' not in page  # sold out: not offered


def test_the_campaign_page_is_french_by_default(db, owner):
    campaign = live_campaign(owner)
    page = html(Client().get(f"/campaigns/{campaign.pk}/"))
    assert '<html lang="fr">' in page and "0,00 ACH" in page


def test_the_matching_rule_is_said_in_words_with_what_was_matched(db, owner, backer, make_member):
    sponsor = make_member(display_name="Communauté de communes")
    give_ach(sponsor, "600")
    campaign = live_campaign(owner)
    pool_create(
        campaign=campaign,
        sponsor=sponsor,
        ratio="1",
        per_backer_cap=Money("30", "ACH"),
        total_cap=Money("500", "ACH"),
        show_name=True,
        actor=sponsor.user,
    )
    back(backer, campaign, "40")
    page = html(browse().get(f"/campaigns/{campaign.pk}/"))
    assert (
        "Communauté de communes adds 1.00 ACH for each 1.00 ACH pledged, up to 30.00 ACH per backer and "
        "500.00 ACH in all; 30.00 ACH matched so far." in page
    )
    assert "70.00 ACH" in page  # 40 pledged + 30 matched
    # Without the sponsor's consent, the rule is the same, its name is not said.
    MatchingPool.objects.update(show_name=False)
    page = html(browse().get(f"/campaigns/{campaign.pk}/"))
    assert "A sponsor adds 1.00 ACH for each 1.00 ACH pledged" in page and "Communauté de communes" not in page


def test_the_backer_sees_the_own_pledge_with_change_and_withdraw(db, owner, backer):
    campaign = live_campaign(owner)
    pledge = back(backer, campaign, "25")
    page = html(browse(backer.user).get(f"/campaigns/{campaign.pk}/"))
    mine = page.split('data-testid="my-pledge"')[1].split("</div>")[0]
    assert "25.00 ACH" in mine and "taken only if the campaign succeeds" in mine
    assert f'name="pledge" value="{pledge.pk}"' in mine and 'id="withdraw-pledge"' in mine
    assert 'id="back-project"' not in page  # one pledge per backer: change it instead


def test_the_own_pledge_is_explained_without_reading_its_campaign_or_reward_again(db, owner, backer):
    campaign = live_campaign(owner, tiers=[{"title": "Un sac de légumes", "minimum": Money("20", "ACH")}])
    back(backer, campaign, "25", tier_title="Un sac de légumes")
    client = browse(backer.user)
    client.get(f"/campaigns/{campaign.pk}/")  # the shell's facts kept: the page's own reads below
    with CaptureQueriesContext(connection) as queries:
        page = html(client.get(f"/campaigns/{campaign.pk}/"))
    mine = page.split('data-testid="my-pledge"')[1].split("</div>")[0]
    assert "25.00 ACH</strong> · Un sac de légumes" in mine and "taken only if the campaign succeeds" in mine
    tables = [query["sql"].split(" FROM ", 1)[1].split(" ", 1)[0] for query in queries if " FROM " in query["sql"]]
    assert tables.count('"crowdfunding_campaign"') == 1, tables
    assert tables.count('"crowdfunding_rewardtier"') == 1, tables  # the tiers' list; the pledge's came with it


def test_news_shows_sanitised_html_and_a_failed_campaign_says_nothing_was_taken(db, owner, backer):
    campaign = live_campaign(owner)
    back(backer, campaign, "30")
    campaign_update_post(
        campaign=campaign, title="Les machines arrivent", body="<p>Livrées <em>mardi</em></p>", actor=owner.user
    )
    campaign, _report = campaign_close(campaign=campaign, now=past_deadline(campaign))
    assert campaign.status == Campaign.Status.FAILED
    page = html(browse().get(f"/campaigns/{campaign.pk}/"))
    assert "<p>Livrées <em>mardi</em></p>" in page and "alert(1)" not in page
    result = page.split('data-testid="campaign-result"')[1].split("</div>")[0]
    assert "The goal was not reached: 30.00 ACH pledged for a goal of 100.00 ACH." in result
    assert "nothing was taken" in result
    assert 'id="back-project"' not in page


def test_a_succeeded_campaign_shows_what_was_paid_and_a_cancelled_one_why(db, owner, backer):
    campaign = live_campaign(owner, goal="50")
    back(backer, campaign, "60")
    campaign, _report = campaign_close(campaign=campaign, now=past_deadline(campaign))
    page = html(browse().get(f"/campaigns/{campaign.pk}/"))
    assert campaign.status == Campaign.Status.PAID_OUT
    assert '<dd data-testid="result-raised">60.00 ACH</dd>' in page
    assert '<dd data-testid="result-payout">58.20 ACH</dd>' in page
    assert '<dd data-testid="result-fee">1.80 ACH</dd>' in page
    other = live_campaign(owner, title="Annulée")
    campaign_cancel(campaign=other, actor=moderator(), reason="Projet abandonné.")
    cancelled = html(browse().get(f"/campaigns/{other.pk}/"))
    assert "This campaign was cancelled by a moderator." in cancelled and "Projet abandonné." in cancelled


def test_while_closing_the_page_shows_how_many_pledges_are_settled(db, owner, backer, make_member):
    campaign = live_campaign(owner, goal="20")
    back(backer, campaign, "30")
    second = make_member()
    give_ach(second, "10")
    back(second, campaign, "5")
    campaign_decide(campaign_id=campaign.pk, now=past_deadline(campaign))
    first = campaign.pledges.order_by("id").first()
    pledge_settle(pledge_id=first.pk)
    page = html(browse().get(f"/campaigns/{campaign.pk}/"))
    assert "Settling pledges: 1 / 2" in page
    assert '<progress max="2" value="1"' in page


def test_my_campaigns_and_pledges_explain_each_pledge(db, owner, backer):
    succeeded = live_campaign(owner, title="Réussie", goal="10")
    failed = live_campaign(owner, title="Ratée", goal="90")
    running = live_campaign(owner, title="En cours")
    back(backer, succeeded, "20")
    back(backer, failed, "20")
    back(backer, running, "20")
    campaign_close(campaign=succeeded, now=past_deadline(succeeded))
    campaign_close(campaign=failed, now=past_deadline(failed))
    client = browse(backer.user)
    page = html(client.get("/campaigns/mine/"))
    pledges = page.split('data-testid="my-pledges"')[1]
    assert "Collected on" in pledges and "the campaign succeeded" in pledges
    assert "Released on" in pledges and "because the campaign did not reach its goal" in pledges
    assert "held on your account until" in pledges
    assert "You have no campaign yet." in page
    owner_page = html(browse(owner.user).get("/campaigns/mine/"))
    assert owner_page.count('class="card cf-card"') == 3
    assert browse().get("/campaigns/mine/").status_code == 302  # log in first


def test_the_campaign_page_shows_the_newest_backers_and_counts_the_others(db, owner, make_member, monkeypatch):
    from crowdfunding.views import campaigns

    monkeypatch.setattr(campaigns, "PUBLIC_BACKERS_SHOWN", 2)
    campaign = live_campaign(owner, goal="500")
    for name in ("Alice Aubert", "Bruno Blanc", "Chloé Caron"):
        backer = make_member(display_name=name)
        backer.show_name_as_backer = True  # names are private by default: these chose to show theirs
        backer.save(update_fields=["show_name_as_backer"])
        give_ach(backer, "20")
        back(backer, campaign, "10")

    page = html(browse().get(f"/campaigns/{campaign.pk}/"))
    backers = page.split('data-testid="backers"')[1].split("</ul>")[0]
    assert [line.split("<")[0] for line in backers.split("<li>")[1:]] == ["Chloé Caron", "Bruno Blanc"]
    assert "and 1 more" in page and "3 backers" in page
