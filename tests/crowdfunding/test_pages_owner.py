"""The owner's pages: write a campaign through the forms (rewards, images, submit), the dashboard
with every backer, the CSV of backers, rewards delivered, news; a sponsor's matching form."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext
from djmoney.money import Money
from PIL import Image

from crowdfunding.models import Campaign, CampaignImage, CampaignUpdate, MatchingPool, Pledge, RewardTier
from crowdfunding.services.campaigns import campaign_send_back, campaign_submit
from crowdfunding.services.closing import campaign_close
from crowdfunding.services.pledges import pledge_create
from members.models import Commune
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator, past_deadline, tier
from tests.crowdfunding.test_pages_public import TIERS, browse, html, ledger_counts
from tests.currency.funding import give_ach


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(make_member):
    return make_member(
        username="fablab", display_name="Fablab des Achards", commune=Commune.objects.get(name="Martinet")
    )


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def campaign_form(**changes) -> dict[str, str]:
    start = timezone.now() + datetime.timedelta(days=1)
    data = {
        "title": "Un tiers-lieu à Nieul",
        "summary": "Un lieu pour travailler, réparer, se retrouver.",
        "story": "Une grange à rénover.\n\nAvec vous.",
        "commune": str(Commune.objects.get(name="Nieul-le-Dolent").pk),
        "unit": "ACH",
        "goal": "500",
        "stretch_goal": "800",
        "starts_at": local(start),
        "deadline": local(start + datetime.timedelta(days=45)),
        "funding_model": "keep_it_all",
    }
    data.update(changes)
    return data


def png(width: int = 800, height: int = 600) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(buffer, "PNG")
    return SimpleUploadedFile("grange.png", buffer.getvalue(), content_type="image/png")


def test_creating_a_campaign_through_the_form(db, owner):
    client = browse(owner.user)
    assert 'id="campaign-form"' in html(client.get("/campaigns/new/"))
    response = client.post("/campaigns/new/", campaign_form())
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/edit/"
    assert (
        campaign.owner,
        campaign.title,
        campaign.unit,
        campaign.goal,
        campaign.stretch_goal,
        campaign.funding_model,
        campaign.commune.name,
        campaign.status,
    ) == (owner, "Un tiers-lieu à Nieul", "ACH", 50000, 80000, "keep_it_all", "Nieul-le-Dolent", "draft")
    assert campaign.story == "<p>Une grange à rénover.</p><p>Avec vous.</p>"
    assert campaign.deadline - campaign.starts_at == datetime.timedelta(days=45)
    assert browse().get("/campaigns/new/").status_code == 302


def test_an_invalid_campaign_form_is_shown_again_and_writes_nothing(db, owner):
    client = browse(owner.user)
    start = timezone.now() + datetime.timedelta(days=1)
    for changes, message in [
        ({"deadline": local(start - datetime.timedelta(days=2))}, "The deadline must come after the start."),
        ({"stretch_goal": "400"}, "The stretch goal must be above the goal."),
        ({"goal": "1.001"}, "ACH amounts have at most 2 decimals."),
        ({"deadline": local(start + datetime.timedelta(days=120))}, "A campaign runs for at most 90 days."),
        ({"title": ""}, "This field is required."),
        ({"unit": "GRN"}, "Select a valid choice."),
    ]:
        response = client.post("/campaigns/new/", campaign_form(**changes))
        assert response.status_code == 422, changes
        assert message in response.content.decode(), changes
    assert Campaign.objects.count() == 0


def test_the_owner_edits_the_draft_and_others_get_a_404(db, owner, make_member):
    campaign = draft_campaign(owner)
    client = browse(owner.user)
    page = html(client.get(f"/campaigns/{campaign.pk}/edit/"))
    assert 'value="Un fablab aux Achards"' in page and 'name="goal" value="100.00"' in page
    response = client.post(f"/campaigns/{campaign.pk}/edit/", campaign_form(title="Un fablab rénové", goal="150"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.title, campaign.goal, campaign.funding_model) == ("Un fablab rénové", 15000, "keep_it_all")
    stranger = browse(make_member().user)
    assert stranger.get(f"/campaigns/{campaign.pk}/edit/").status_code == 404
    assert stranger.post(f"/campaigns/{campaign.pk}/edit/", campaign_form(title="Piraté")).status_code == 404
    campaign.refresh_from_db()
    assert campaign.title == "Un fablab rénové"


def test_rewards_are_added_changed_and_removed_through_the_forms(db, owner):
    campaign = draft_campaign(owner)
    client = browse(owner.user)
    response = client.post(
        f"/campaigns/{campaign.pk}/tiers/new/",
        {"title": "Sac en toile", "description": "Brodé main.", "minimum": "15", "stock": "20",
         "estimated_delivery": "2026-09-01"},
    )  # fmt: skip
    assert response.status_code == 302
    reward = RewardTier.objects.get()
    assert (reward.title, reward.minimum, reward.stock, str(reward.estimated_delivery)) == (
        "Sac en toile",
        1500,
        20,
        "2026-09-01",
    )
    refused = client.post(f"/campaigns/{campaign.pk}/tiers/new/", {"title": "Gratuit", "minimum": "0"})
    assert refused.status_code == 422 and "The amount must be greater than zero." in refused.content.decode()
    assert RewardTier.objects.count() == 1
    page = html(client.get(f"/campaigns/{campaign.pk}/tiers/{reward.pk}/edit/"))
    assert 'value="Sac en toile"' in page
    client.post(f"/campaigns/{campaign.pk}/tiers/{reward.pk}/edit/", {"title": "Sac brodé", "minimum": "18"})
    reward.refresh_from_db()
    assert (reward.title, reward.minimum, reward.stock, reward.estimated_delivery) == ("Sac brodé", 1800, None, None)
    client.post(f"/campaigns/{campaign.pk}/tiers/{reward.pk}/delete/")
    assert RewardTier.objects.count() == 0


def test_images_are_added_with_their_description_and_removed(db, owner):
    campaign = draft_campaign(owner)
    client = browse(owner.user)
    response = client.post(
        f"/campaigns/{campaign.pk}/images/new/", {"image": png(2400, 1200), "alt_text": "La grange vue du chemin"}
    )
    assert response.status_code == 302
    image = CampaignImage.objects.get()
    assert (image.alt_text, image.width, image.height) == ("La grange vue du chemin", 1600, 800)
    page = html(client.get(f"/campaigns/{campaign.pk}/"))
    assert f'src="{image.image.url}" width="1600" height="800" alt="La grange vue du chemin"' in page
    fake = SimpleUploadedFile("grange.jpg", b"not an image", content_type="image/jpeg")
    assert client.post(f"/campaigns/{campaign.pk}/images/new/", {"image": fake}).status_code == 422
    assert CampaignImage.objects.count() == 1
    client.post(f"/campaigns/{campaign.pk}/images/{image.pk}/delete/")
    assert CampaignImage.objects.count() == 0


def test_submitting_then_being_sent_back_shows_the_moderators_comments(db, owner):
    campaign = draft_campaign(owner)
    client = browse(owner.user)
    response = client.post(f"/campaigns/{campaign.pk}/submit/")
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/"
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SUBMITTED
    refused = client.post(f"/campaigns/{campaign.pk}/edit/", campaign_form(title="Trop tard"), follow=True)
    assert "Only a draft campaign can be changed" in refused.content.decode()
    campaign.refresh_from_db()
    assert campaign.title == "Un fablab aux Achards"
    campaign_send_back(campaign=campaign, actor=moderator(), comment="Précisez le budget des machines.")
    page = html(client.get(f"/campaigns/{campaign.pk}/edit/"))
    assert "A moderator sent it back" in page and "Précisez le budget des machines." in page


@pytest.fixture
def backed(owner, make_member):
    """A live campaign with two backers: Hélène anonymous with a reward, Gaspard named without one."""
    campaign = live_campaign(owner, tiers=TIERS, goal="20")
    helene = make_member(
        username="helene",
        display_name="Hélène Bernard",
        email="helene@example.org",
        commune=Commune.objects.get(name="Saint-Julien-des-Landes"),
    )
    gaspard = make_member(username="gaspard", display_name="Gaspard Roy", email="gaspard@example.org")
    give_ach(helene, "100")
    give_ach(gaspard, "100")
    pledge_create(
        campaign=campaign,
        backer=helene,
        amount=Money("12.5", "ACH"),
        tier=tier(campaign, "Sac en toile"),
        anonymous=True,
        actor=helene.user,
    )
    pledge_create(
        campaign=campaign, backer=gaspard, amount=Money("1234", "ACH") / 100, anonymous=False, actor=gaspard.user
    )
    return campaign


def test_the_dashboard_is_for_the_owner_and_staff_only(db, owner, backed, make_member, staff_user):
    for path in (f"/campaigns/{backed.pk}/dashboard/", f"/campaigns/{backed.pk}/backers.csv"):
        assert browse(owner.user).get(path).status_code == 200
        assert browse(staff_user).get(path).status_code == 200
        assert browse(make_member().user).get(path).status_code == 404
        assert browse().get(path).status_code == 302


def test_the_dashboard_names_the_named_backers_and_the_anonymous_ones_with_a_reward_but_not_their_email(
    db, owner, backed
):
    page = html(browse(owner.user).get(f"/campaigns/{backed.pk}/dashboard/"))
    table = page.split('data-testid="backers-table"')[1]
    assert "Hélène Bernard" in table and "(anonymous)" in table and "helene@example.org" not in page
    assert "gaspard@example.org" in table
    assert "Saint-Julien-des-Landes" in table and "Sac en toile" in table and "12.50 ACH" in table
    assert "Gaspard Roy" in table and "12.34 ACH" in table
    assert "24.84 ACH" in page  # the progress


def test_the_backers_csv_is_exact_for_french_spreadsheets(db, owner, backed):
    response = browse(owner.user, language="fr").get(f"/campaigns/{backed.pk}/backers.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="campaign-{backed.pk}-backers.csv"'
    today = timezone.localdate().isoformat()
    with translation.override("fr"):  # whatever the French catalogue says for these words
        header = ";".join(
            gettext(word)
            for word in (
                "Backer", "E-mail", "Commune", "Reward", "Amount", "Unit", "Status", "Anonymous", "Pledged on",
                "Reward delivered on",
            )
        )  # fmt: skip
        held, yes, no = str(Pledge.Status.ACTIVE.label), gettext("yes"), gettext("no")
    assert response.content.decode("utf-8") == (
        f"\ufeff{header}\r\n"
        f"Hélène Bernard;;Saint-Julien-des-Landes;Sac en toile;12,50;ACH;{held};{yes};{today};\r\n"
        f"Gaspard Roy;gaspard@example.org;;;12,34;ACH;{held};{no};{today};\r\n"
    )


def test_the_backers_csv_is_french_whatever_the_page_language_and_english_on_request(db, owner, backed):
    client = browse(owner.user)  # an English reader
    french = client.get(f"/campaigns/{backed.pk}/backers.csv").content.decode("utf-8")
    assert french.startswith("\ufeff") and ";12,50;ACH;" in french
    response = client.get(f"/campaigns/{backed.pk}/backers.csv?lang=en")
    assert response["Content-Disposition"] == f'attachment; filename="campaign-{backed.pk}-backers-en.csv"'
    today = timezone.localdate().isoformat()
    assert response.content.decode("utf-8") == (
        "Backer,E-mail,Commune,Reward,Amount,Unit,Status,Anonymous,Pledged on,Reward delivered on\r\n"
        f"Hélène Bernard,,Saint-Julien-des-Landes,Sac en toile,12.50,ACH,Held until the deadline,"
        f"yes,{today},\r\n"
        f"Gaspard Roy,gaspard@example.org,,,12.34,ACH,Held until the deadline,no,{today},\r\n"
    )


def test_rewards_are_marked_delivered_once_collected(db, owner, backed):
    campaign, _report = campaign_close(campaign=backed, now=past_deadline(backed))
    assert campaign.status == Campaign.Status.PAID_OUT
    pledge = campaign.pledges.get(backer__display_name="Hélène Bernard")
    client = browse(owner.user)
    assert 'id="backers-csv"' in html(client.get(f"/campaigns/{campaign.pk}/dashboard/"))
    response = client.post(f"/campaigns/{campaign.pk}/pledges/{pledge.pk}/delivered/", {"delivered": "1"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.reward_delivered_at is not None
    page = html(client.get(f"/campaigns/{campaign.pk}/dashboard/"))
    assert "Delivered on" in page
    no_reward = campaign.pledges.get(backer__display_name="Gaspard Roy")
    refused = client.post(f"/campaigns/{campaign.pk}/pledges/{no_reward.pk}/delivered/", follow=True)
    assert "Only a collected pledge with a reward has something to deliver." in refused.content.decode()
    no_reward.refresh_from_db()
    assert no_reward.reward_delivered_at is None


def test_the_owner_posts_news_for_the_backers(db, owner, backed, make_member, django_capture_on_commit_callbacks):
    client = browse(owner.user)
    assert 'id="update-form"' in html(client.get(f"/campaigns/{backed.pk}/updates/new/"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            f"/campaigns/{backed.pk}/updates/new/", {"title": "Les machines arrivent", "body": "Mardi, **enfin**."}
        )
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{backed.pk}/#updates"
    update = CampaignUpdate.objects.get()
    assert (update.title, update.body) == ("Les machines arrivent", "<p>Mardi, **enfin**.</p>")
    assert len(callbacks) == 1  # the mailing task, queued after commit
    empty = client.post(f"/campaigns/{backed.pk}/updates/new/", {"title": "Vide", "body": ""})
    assert empty.status_code == 422
    assert browse(make_member().user).get(f"/campaigns/{backed.pk}/updates/new/").status_code == 404
    assert CampaignUpdate.objects.count() == 1


def test_a_member_matches_the_pledges_from_the_campaign_page(db, owner, backed, make_member):
    sponsor = make_member(display_name="Boulangerie Martin")
    give_ach(sponsor, "300")
    client = browse(sponsor.user)
    assert 'id="pool-form"' in html(client.get(f"/campaigns/{backed.pk}/"))
    assert 'id="pool-form"' not in html(browse(owner.user).get(f"/campaigns/{backed.pk}/"))
    counts = ledger_counts()
    refused = client.post(f"/campaigns/{backed.pk}/pools/new/", {"ratio": "0", "total_cap": "50"})
    assert refused.status_code == 422
    assert "A number above 0 and at most 10, three decimals at most." in refused.content.decode()
    assert MatchingPool.objects.count() == 0 and ledger_counts() == counts
    response = client.post(
        f"/campaigns/{backed.pk}/pools/new/",
        {"ratio": "0.5", "per_backer_cap": "6.20", "total_cap": "100", "show_name": "on"},
    )
    assert response.status_code == 302
    pool = MatchingPool.objects.get()
    assert (pool.sponsor, pool.ratio, pool.per_backer_cap, pool.total_cap, pool.matched_total) == (
        sponsor,
        Decimal("0.5"),
        620,
        10000,
        1237,
    )
    page = html(client.get(f"/campaigns/{backed.pk}/"))
    assert (
        "Boulangerie Martin adds 0.50 ACH for each 1.00 ACH pledged, up to 6.20 ACH per backer and 100.00 ACH in all; "
        "12.37 ACH matched so far." in page
    )
    client.post(f"/campaigns/{backed.pk}/pools/{pool.pk}/close/")
    pool.refresh_from_db()
    assert pool.status == MatchingPool.Status.CLOSED


def test_a_campaign_not_yet_submitted_cannot_be_backed_or_matched(db, owner, make_member):
    campaign = draft_campaign(owner)
    campaign_submit(campaign=campaign, actor=owner.user)
    member = make_member()
    give_ach(member, "10")
    client = browse(member.user)
    assert client.post(f"/campaigns/{campaign.pk}/pools/new/", {"ratio": "1", "total_cap": "5"}).status_code == 404
    assert client.post(f"/campaigns/{campaign.pk}/back/", {"amount": "5"}).status_code == 404
    assert MatchingPool.objects.count() == 0


def test_the_dashboard_pages_the_backers_rewards_first_by_reward_then_the_others(db, owner, make_member, monkeypatch):
    from crowdfunding.views import dashboard

    monkeypatch.setattr(dashboard, "BACKERS_PER_PAGE", 2)
    campaign = live_campaign(owner, tiers=TIERS, goal="500")
    pledges = {}
    workshop, bag = "Atelier découverte", "Sac en toile"
    for name, reward in (("b1", None), ("b2", workshop), ("b3", bag), ("b4", workshop), ("b5", None)):
        backer = make_member(username=name, display_name=name.upper())
        give_ach(backer, "100")
        pledges[name] = pledge_create(
            campaign=campaign,
            backer=backer,
            amount=Money("50", "ACH"),
            tier=tier(campaign, reward) if reward else None,
            anonymous=False,
            actor=backer.user,
        )
    client = browse(owner.user)

    def rows(number: int) -> list[int]:
        page = html(client.get(f"/campaigns/{campaign.pk}/dashboard/?page={number}"))
        table = page.split('data-testid="backers-table"')[1].split("</table>")[0]
        return [int(chunk.split('"')[0]) for chunk in table.split('data-pledge="')[1:]]

    # The first tier (the canvas bag), then the second, then the pledges without a reward; by id within each.
    expected = [pledges[name].pk for name in ("b3", "b2", "b4", "b1", "b5")]
    assert [rows(1), rows(2), rows(3)] == [expected[:2], expected[2:4], expected[4:]]
    assert rows(9) == expected[4:]  # past the end: the last page
