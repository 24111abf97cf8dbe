"""API of campaigns: the public list, drafts, moderation, rewards, images and news, through HTTP."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from djmoney.money import Money
from PIL import Image

from core.models import IdempotencyRecord
from crowdfunding.models import Campaign, CampaignImage, CampaignUpdate, MatchingPool, Pledge, RewardTier
from crowdfunding.services.campaigns import campaign_approve, campaign_image_add, campaign_submit
from crowdfunding.services.closing import campaign_close
from crowdfunding.services.pledges import pledge_create
from crowdfunding.services.updates import campaign_update_post
from ledger.models import Account, Entry, Hold, Transaction
from members.models import Commune, Member
from tests.conftest import account_of, api_client_for
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator, past_deadline
from tests.currency.funding import give_ach
from tests.factories import auditor_user

CAMPAIGNS = "/api/campaigns/"
BAD_AMOUNTS = ["abc", "NaN", "1e309", "-5", "0", "1.234"]


# --- helpers shared by the crowdfunding API tests -------------------------------------------


def url(campaign: Campaign | int, *rest: Any) -> str:
    pk = campaign if isinstance(campaign, int) else campaign.pk
    return CAMPAIGNS + "".join(f"{part}/" for part in (pk, *rest))


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert set(body) <= {"code", "message", "fields"}
    return body


def rows() -> dict[str, int]:
    """Every table an API write may touch: a refusal must leave all of them as they were."""
    models = {
        "campaigns": Campaign,
        "tiers": RewardTier,
        "images": CampaignImage,
        "updates": CampaignUpdate,
        "pools": MatchingPool,
        "pledges": Pledge,
        "holds": Hold,
        "transactions": Transaction,
        "entries": Entry,
        "idempotency": IdempotencyRecord,
    }
    return {name: model.objects.count() for name, model in models.items()}


def money_of(member: Member, unit: str = "ACH") -> tuple[int, int]:
    """(balance, held) of the member's account in minor units, fresh from the database."""
    account = account_of(member, unit)
    return account.balance, account.held


def make_auditor() -> Any:
    return auditor_user("auditrice")


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def png(width: int = 40, height: int = 30) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(buffer, format="PNG")
    return SimpleUploadedFile("atelier.png", buffer.getvalue(), content_type="image/png")


def campaign_body(**fields: Any) -> dict[str, Any]:
    start = timezone.now()
    data = {
        "title": "Un café associatif à Martinet",
        "summary": "Un lieu pour se retrouver.",
        "story": "Nous ouvrons un café.\n\nAvec des jeux.",
        "unit": "ACH",
        "goal": "1500",
        "starts_at": start.isoformat(),
        "deadline": (start + datetime.timedelta(days=30, hours=1)).isoformat(),
        "funding_model": "all_or_nothing",
    }
    data.update(fields)
    return data


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def alice(make_member):
    return make_member(username="alice", display_name="Alice", commune=Commune.objects.get(name="Martinet"))


@pytest.fixture
def bob(make_member):
    return make_member(username="bob", display_name="Bob")


@pytest.fixture
def staff(db):
    return moderator()


# --- the public list ------------------------------------------------------------------------


def test_anyone_lists_the_listed_campaigns_and_never_a_draft_or_one_under_review(alice, bob, make_member):
    live = live_campaign(alice, title="Fablab", days=10)
    upcoming = live_campaign(alice, title="Jardin", starts_in=datetime.timedelta(days=2), days=10)
    hours = live_campaign(bob, title="Atelier vélo", unit="HRS", goal="20", days=20)
    finished = live_campaign(bob, title="Four à pain", days=5)
    failed, _report = campaign_close(campaign=finished, now=past_deadline(finished))
    draft = draft_campaign(alice, title="Brouillon")
    submitted = draft_campaign(alice, title="En relecture")
    campaign_submit(campaign=submitted, actor=alice.user)
    assert failed.status == Campaign.Status.FAILED

    anonymous = api_client_for(None)
    # Live first (soonest deadline first), then upcoming.
    assert ids(anonymous.get(CAMPAIGNS)) == [live.pk, hours.pk, upcoming.pk]
    # The owner's own drafts are not listed either (they are under /api/campaigns/mine/).
    assert ids(api_client_for(alice.user).get(CAMPAIGNS)) == [live.pk, hours.pk, upcoming.pk]
    assert ids(anonymous.get(CAMPAIGNS, {"status": "live"})) == [live.pk, hours.pk]
    assert ids(anonymous.get(CAMPAIGNS, {"status": "upcoming"})) == [upcoming.pk]
    assert ids(anonymous.get(CAMPAIGNS, {"status": "failed"})) == [finished.pk]
    assert ids(anonymous.get(CAMPAIGNS, {"status": "succeeded"})) == []
    assert ids(anonymous.get(CAMPAIGNS, {"unit": "HRS"})) == [hours.pk]
    assert ids(anonymous.get(CAMPAIGNS, {"commune": alice.commune_id})) == [live.pk, upcoming.pk]
    assert ids(anonymous.get(CAMPAIGNS, {"q": "vélo"})) == [hours.pk]
    assert ids(anonymous.get(CAMPAIGNS, {"limit": 1, "offset": 1})) == [hours.pk]
    assert draft.pk not in ids(anonymous.get(CAMPAIGNS, {"q": "Brouillon"}))
    for bad in ({"status": "draft"}, {"unit": "EUR"}, {"commune": "x"}, {"commune": 999999}):
        assert_error(anonymous.get(CAMPAIGNS, bad), 400, "invalid")


def test_a_listed_campaign_shows_its_progress_in_the_list(alice, bob):
    give_ach(bob, "100")
    campaign = live_campaign(alice, goal="80", days=10)
    pledge_create(campaign=campaign, backer=bob, amount=Money("20", "ACH"), actor=bob.user)
    [item] = api_client_for(None).get(CAMPAIGNS).json()["results"]
    assert item["owner"] == {"id": alice.pk, "display_name": "Alice"}
    assert (item["goal"], item["unit"], item["status"], item["commune_name"]) == ("80.00", "ACH", "live", "Martinet")
    assert item["progress"] == {
        "pledged": "20.00",
        "matched": "0.00",
        "backers": 1,
        "percent": 25,
        "stretch_percent": None,
        "days_left": 9,
        "pledges_total": 1,
        "pledges_settled": 0,
    }


# --- writing a draft ------------------------------------------------------------------------


def test_a_member_starts_a_draft_and_reads_it_back(alice):
    client = api_client_for(alice.user)
    response = client.post(CAMPAIGNS, campaign_body(stretch_goal="2000.50"), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    campaign = Campaign.objects.get()
    assert data["id"] == campaign.pk
    assert (campaign.goal, campaign.stretch_goal, campaign.owner_id, campaign.commune_id) == (
        150000,
        200050,
        alice.pk,
        alice.commune_id,
    )
    assert {key: data[key] for key in ("status", "unit", "goal", "stretch_goal", "funding_model", "fee_rate")} == {
        "status": "draft",
        "unit": "ACH",
        "goal": "1500.00",
        "stretch_goal": "2000.50",
        "funding_model": "all_or_nothing",
        "fee_rate": "0.0300",
    }
    assert data["story"] == "<p>Nous ouvrons un café.</p><p>Avec des jeux.</p>"
    assert (data["tiers"], data["images"], data["matching_pool"]) == ([], [], None)
    assert data["progress"]["days_left"] == 30
    assert (data["raised_total"], data["fee_amount"], data["payout_amount"]) == ("0.00", "0.00", "0.00")
    assert data["moderation_comment"] == ""
    assert client.get(url(campaign)).json() == data


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_bad_goal_is_refused_with_a_message_and_writes_nothing(alice, amount):
    body = assert_error(
        api_client_for(alice.user).post(CAMPAIGNS, campaign_body(goal=amount), format="json"), 400, "invalid"
    )
    assert body["fields"]["goal"]
    assert rows()["campaigns"] == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"unit": "EUR"}, "unit"),
        ({"funding_model": "tout"}, "funding_model"),
        ({"title": ""}, "title"),
        ({"story": "<p><script>alert(1)</script></p>"}, "story"),
        ({"stretch_goal": "1000"}, "stretch_goal"),
        ({"deadline": "2030-01-01T10:00:00+01:00", "starts_at": "2030-01-01T10:00:00+01:00"}, "deadline"),
        ({"deadline": "2030-06-01T10:00:00+01:00", "starts_at": "2030-01-01T10:00:00+01:00"}, "deadline"),
        ({"deadline": "demain"}, "deadline"),
        ({"commune": 999999}, "commune"),
        ({"stretch_goal": "NaN"}, "stretch_goal"),
    ],
)
def test_bad_campaign_input_names_the_field_and_writes_nothing(alice, fields, field):
    response = api_client_for(alice.user).post(CAMPAIGNS, campaign_body(**fields), format="json")
    assert field in assert_error(response, 400, "invalid")["fields"]
    assert rows()["campaigns"] == 0


def test_anonymous_callers_read_public_campaigns_but_write_nothing(alice):
    live = live_campaign(alice)
    draft = draft_campaign(alice, title="Brouillon")
    anonymous = api_client_for(None)
    assert anonymous.get(url(live)).json()["title"] == "Un fablab aux Achards"
    assert_error(anonymous.get(url(draft)), 404, "not_found")
    before = rows()
    assert_error(anonymous.post(CAMPAIGNS, campaign_body(), format="json"), 401, "not_authenticated")
    assert_error(anonymous.patch(url(draft), {"title": "x"}, format="json"), 401, "not_authenticated")
    assert_error(
        anonymous.post(url(live, "tiers"), {"title": "x", "minimum": "1"}, format="json"), 401, "not_authenticated"
    )
    assert_error(anonymous.get(CAMPAIGNS + "mine/"), 401, "not_authenticated")
    assert rows() == before


def test_a_staff_user_without_a_member_cannot_start_a_campaign(staff):
    assert_error(api_client_for(staff).post(CAMPAIGNS, campaign_body(), format="json"), 403, "permission_denied")
    assert rows()["campaigns"] == 0


def test_a_draft_is_seen_only_by_its_owner_staff_and_auditors(alice, bob, staff):
    draft = draft_campaign(alice)
    assert api_client_for(alice.user).get(url(draft)).status_code == 200
    assert api_client_for(staff).get(url(draft)).status_code == 200
    assert api_client_for(make_auditor()).get(url(draft)).status_code == 200
    assert_error(api_client_for(bob.user).get(url(draft)), 404, "not_found")
    assert_error(api_client_for(bob.user).get(url(draft.pk + 1000)), 404, "not_found")
    assert_error(api_client_for(bob.user).get(url(2**63)), 404, "not_found")
    assert_error(api_client_for(bob.user).get(url(draft, "tiers")), 404, "not_found")
    assert_error(api_client_for(bob.user).get(url(draft, "updates")), 404, "not_found")


def test_the_owner_changes_a_draft_and_nobody_else_can(alice, bob):
    draft = draft_campaign(alice, goal="100")
    client = api_client_for(alice.user)
    response = client.patch(
        url(draft), {"title": "Fablab des Achards", "goal": "250.50", "stretch_goal": "400"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["goal"], response.json()["stretch_goal"]) == (
        "Fablab des Achards",
        "250.50",
        "400.00",
    )
    draft.refresh_from_db()
    assert (draft.title, draft.goal, draft.stretch_goal) == ("Fablab des Achards", 25050, 40000)

    assert_error(api_client_for(bob.user).patch(url(draft), {"title": "Volé"}, format="json"), 404, "not_found")
    for amount in BAD_AMOUNTS:
        assert_error(client.patch(url(draft), {"goal": amount}, format="json"), 400, "invalid")
    body = assert_error(client.patch(url(draft), {"unit": "GRN"}, format="json"), 400, "invalid")
    assert list(body["fields"]) == ["unit"]
    draft.refresh_from_db()
    assert (draft.title, draft.goal, draft.unit) == ("Fablab des Achards", 25050, "ACH")


def test_a_submitted_or_live_campaign_can_no_longer_be_changed(alice):
    live = live_campaign(alice)
    response = api_client_for(alice.user).patch(url(live), {"title": "Autre"}, format="json")
    assert_error(response, 422, "campaign_not_editable")
    live.refresh_from_db()
    assert live.title == "Un fablab aux Achards"


# --- moderation -----------------------------------------------------------------------------


def test_the_owner_submits_and_a_moderator_approves_with_a_fee_rate_and_a_comment(alice, staff):
    draft = draft_campaign(alice)
    owner = api_client_for(alice.user)
    response = owner.post(url(draft, "submit"))
    assert (response.status_code, response.json()["status"]) == (200, "submitted")
    assert owner.post(url(draft, "submit")).json()["status"] == "submitted"  # again: unchanged

    response = api_client_for(staff).post(
        url(draft, "approve"), {"fee_rate": "0.05", "comment": "Bravo"}, format="json"
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["status"], data["fee_rate"], data["moderation_comment"]) == ("live", "0.0500", "Bravo")
    draft.refresh_from_db()
    assert (draft.status, draft.fee_rate, draft.moderated_by, draft.escrow_account is not None) == (
        Campaign.Status.LIVE,
        Decimal("0.0500"),
        staff,
        True,
    )


def test_the_moderators_comment_is_shown_only_to_the_owner_and_moderators(alice, bob, staff):
    campaign = draft_campaign(alice)
    campaign_submit(campaign=campaign, actor=alice.user)
    campaign_approve(campaign=campaign, actor=staff, comment="Ajoutez des photos")
    assert api_client_for(alice.user).get(url(campaign)).json()["moderation_comment"] == "Ajoutez des photos"
    assert api_client_for(staff).get(url(campaign)).json()["moderation_comment"] == "Ajoutez des photos"
    assert api_client_for(bob.user).get(url(campaign)).json()["moderation_comment"] is None
    assert api_client_for(None).get(url(campaign)).json()["moderation_comment"] is None


def test_only_a_moderator_approves_and_only_a_submitted_campaign(alice, bob, staff):
    draft = draft_campaign(alice)
    moderator_client = api_client_for(staff)
    assert_error(moderator_client.post(url(draft, "approve"), {}, format="json"), 422, "transition_not_allowed")
    campaign_submit(campaign=draft, actor=alice.user)
    assert_error(api_client_for(alice.user).post(url(draft, "approve"), {}, format="json"), 403, "permission_denied")
    assert_error(api_client_for(bob.user).post(url(draft, "approve"), {}, format="json"), 404, "not_found")
    for rate in ("0.5", "abc", "NaN", "0.12345", "-0.01"):
        response = moderator_client.post(url(draft, "approve"), {"fee_rate": rate}, format="json")
        assert "fee_rate" in assert_error(response, 400, "invalid")["fields"], rate
    draft.refresh_from_db()
    assert (draft.status, draft.escrow_account_id, draft.fee_rate) == (
        Campaign.Status.SUBMITTED,
        None,
        Decimal("0.0300"),
    )


def test_a_moderator_sends_a_campaign_back_with_a_comment_which_is_required(alice, staff):
    draft = draft_campaign(alice)
    campaign_submit(campaign=draft, actor=alice.user)
    client = api_client_for(staff)
    assert "comment" in assert_error(client.post(url(draft, "send-back"), {}, format="json"), 400, "invalid")["fields"]
    assert_error(
        api_client_for(alice.user).post(url(draft, "send-back"), {"comment": "Non"}, format="json"),
        403,
        "permission_denied",
    )
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.SUBMITTED
    response = client.post(url(draft, "send-back"), {"comment": "Précisez le budget."}, format="json")
    assert (response.json()["status"], response.json()["moderation_comment"]) == ("draft", "Précisez le budget.")
    assert api_client_for(alice.user).get(url(draft)).json()["moderation_comment"] == "Précisez le budget."


def test_the_owner_cancels_a_draft_giving_a_reason(alice):
    draft = draft_campaign(alice, title="Brouillon")
    owner = api_client_for(alice.user)
    assert "reason" in assert_error(owner.post(url(draft, "cancel"), {}, format="json"), 400, "invalid")["fields"]
    response = owner.post(url(draft, "cancel"), {"reason": "Projet abandonné"}, format="json")
    assert (response.json()["status"], response.json()["cancelled_reason"]) == ("cancelled", "Projet abandonné")


def test_the_owner_may_not_cancel_a_live_campaign_but_a_moderator_may_and_every_pledge_is_released(alice, bob, staff):
    give_ach(bob, "100")
    live = live_campaign(alice)
    pledge_create(campaign=live, backer=bob, amount=Money("30", "ACH"), actor=bob.user)
    assert money_of(bob) == (10000, 3000)
    before = rows()
    owner = api_client_for(alice.user)
    assert "reason" in assert_error(owner.post(url(live, "cancel"), {}, format="json"), 400, "invalid")["fields"]
    assert_error(owner.post(url(live, "cancel"), {"reason": "Non"}, format="json"), 422, "transition_not_allowed")
    response = api_client_for(bob.user).post(url(live, "cancel"), {"reason": "Non"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert rows() == before
    assert money_of(bob) == (10000, 3000)
    response = api_client_for(staff).post(url(live, "cancel"), {"reason": "Fraude"}, format="json")
    assert (response.json()["status"], response.json()["cancelled_reason"]) == ("cancelled", "Fraude")
    assert money_of(bob) == (10000, 0)
    assert Pledge.objects.get().status == Pledge.Status.VOIDED
    # Its backers still find it, to read why their pledge was released.
    assert api_client_for(None).get(url(live)).json()["status"] == "cancelled"


def test_the_moderation_queue_is_for_moderators_and_auditors(alice, bob, staff):
    first = draft_campaign(alice, title="Premier")
    second = draft_campaign(alice, title="Second")
    draft_campaign(alice, title="Brouillon")
    campaign_submit(campaign=first, actor=alice.user)
    campaign_submit(campaign=second, actor=alice.user)
    assert ids(api_client_for(staff).get(CAMPAIGNS + "moderation/")) == [first.pk, second.pk]
    assert ids(api_client_for(make_auditor()).get(CAMPAIGNS + "moderation/")) == [first.pk, second.pk]
    assert_error(api_client_for(bob.user).get(CAMPAIGNS + "moderation/"), 403, "permission_denied")
    assert_error(api_client_for(None).get(CAMPAIGNS + "moderation/"), 401, "not_authenticated")


def test_an_owner_lists_their_own_campaigns_in_every_status(alice, bob):
    draft = draft_campaign(alice, title="Brouillon")
    live = live_campaign(alice)
    live_campaign(bob, title="Celui de Bob")
    assert ids(api_client_for(alice.user).get(CAMPAIGNS + "mine/")) == [live.pk, draft.pk]
    assert ids(api_client_for(make_auditor()).get(CAMPAIGNS + "mine/")) == []


# --- rewards --------------------------------------------------------------------------------


def test_the_owner_adds_changes_and_removes_rewards_of_a_draft(alice):
    draft = draft_campaign(alice)
    client = api_client_for(alice.user)
    response = client.post(
        url(draft, "tiers"),
        {"title": "Mug", "minimum": "25", "stock": 10, "estimated_delivery": "2030-06-01"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    tier = RewardTier.objects.get()
    assert response.json() == {
        "id": tier.pk,
        "title": "Mug",
        "description": "",
        "minimum": "25.00",
        "stock": 10,
        "claimed": 0,
        "remaining": 10,
        "estimated_delivery": "2030-06-01",
        "position": 1,
    }
    response = client.patch(url(draft, "tiers", tier.pk), {"minimum": "30.50", "stock": None}, format="json")
    assert (response.json()["minimum"], response.json()["stock"], response.json()["remaining"]) == ("30.50", None, None)
    tier.refresh_from_db()
    assert (tier.minimum, tier.stock, tier.title) == (3050, None, "Mug")
    assert [item["id"] for item in client.get(url(draft, "tiers")).json()] == [tier.pk]
    assert client.delete(url(draft, "tiers", tier.pk)).status_code == 204
    assert RewardTier.objects.count() == 0
    assert_error(client.delete(url(draft, "tiers", tier.pk)), 404, "not_found")


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_bad_reward_minimum_is_refused_and_writes_nothing(alice, amount):
    draft = draft_campaign(alice)
    client = api_client_for(alice.user)
    response = client.post(url(draft, "tiers"), {"title": "Mug", "minimum": amount}, format="json")
    assert "minimum" in assert_error(response, 400, "invalid")["fields"]
    assert RewardTier.objects.count() == 0


def test_rewards_are_refused_to_others_bad_stocks_and_once_submitted(alice, bob):
    draft = draft_campaign(alice)
    client = api_client_for(alice.user)
    for stock in (0, -1, "beaucoup", 100001):
        response = client.post(url(draft, "tiers"), {"title": "Mug", "minimum": "5", "stock": stock}, format="json")
        assert "stock" in assert_error(response, 400, "invalid")["fields"], stock
    assert_error(
        api_client_for(bob.user).post(url(draft, "tiers"), {"title": "Mug", "minimum": "5"}, format="json"),
        404,
        "not_found",
    )
    live = live_campaign(alice, tiers=[{"title": "Sac", "minimum": Money("10", "ACH")}])
    [tier] = live.tiers.all()
    assert_error(
        client.post(url(live, "tiers"), {"title": "Mug", "minimum": "5"}, format="json"), 422, "campaign_not_editable"
    )
    assert_error(
        client.patch(url(live, "tiers", tier.pk), {"title": "Gros sac"}, format="json"), 422, "campaign_not_editable"
    )
    assert_error(api_client_for(bob.user).delete(url(live, "tiers", tier.pk)), 403, "permission_denied")
    assert_error(client.patch(url(draft, "tiers", tier.pk), {"title": "x"}, format="json"), 404, "not_found")
    assert list(RewardTier.objects.values_list("title", flat=True)) == ["Sac"]


# --- images ---------------------------------------------------------------------------------


def test_the_owner_adds_and_removes_an_image(alice, bob):
    campaign = live_campaign(alice)
    client = api_client_for(alice.user)
    response = client.post(url(campaign, "images"), {"image": png(), "alt_text": "L'atelier"}, format="multipart")
    assert response.status_code == 201, response.json()
    image = CampaignImage.objects.get()
    assert {key: response.json()[key] for key in ("id", "width", "height", "alt_text", "position")} == {
        "id": image.pk,
        "width": 40,
        "height": 30,
        "alt_text": "L'atelier",
        "position": 1,
    }
    assert response.json()["url"].startswith("http://testserver/")
    assert [item["id"] for item in api_client_for(None).get(url(campaign)).json()["images"]] == [image.pk]

    assert_error(api_client_for(bob.user).delete(url(campaign, "images", image.pk)), 403, "permission_denied")
    assert client.delete(url(campaign, "images", image.pk)).status_code == 204
    assert CampaignImage.objects.count() == 0
    assert_error(client.delete(url(campaign, "images", image.pk)), 404, "not_found")


def test_a_bad_image_or_someone_elses_upload_is_refused_and_stores_nothing(alice, bob):
    campaign = live_campaign(alice)
    client = api_client_for(alice.user)
    text = SimpleUploadedFile("story.png", b"not an image at all", content_type="image/png")
    assert_error(client.post(url(campaign, "images"), {"image": text}, format="multipart"), 400, "invalid_image")
    assert (
        "image" in assert_error(client.post(url(campaign, "images"), {}, format="multipart"), 400, "invalid")["fields"]
    )
    response = api_client_for(bob.user).post(url(campaign, "images"), {"image": png()}, format="multipart")
    assert_error(response, 403, "permission_denied")
    assert CampaignImage.objects.count() == 0


# --- news -----------------------------------------------------------------------------------


def test_the_owner_posts_news_that_anyone_may_read(alice, bob):
    campaign = live_campaign(alice)
    client = api_client_for(alice.user)
    response = client.post(
        url(campaign, "updates"), {"title": "Les machines arrivent", "body": "Lundi."}, format="json"
    )
    assert response.status_code == 201, response.json()
    update = CampaignUpdate.objects.get()
    assert response.json() == {
        "id": update.pk,
        "title": "Les machines arrivent",
        "body": "<p>Lundi.</p>",
        "created_at": response.json()["created_at"],
    }
    assert ids(api_client_for(None).get(url(campaign, "updates"))) == [update.pk]
    draft = draft_campaign(alice, title="Brouillon")
    before = rows()
    assert_error(
        api_client_for(bob.user).post(url(campaign, "updates"), {"title": "x", "body": "y"}, format="json"),
        403,
        "permission_denied",
    )
    assert (
        "body"
        in assert_error(client.post(url(campaign, "updates"), {"title": "x"}, format="json"), 400, "invalid")["fields"]
    )
    assert_error(client.post(url(draft, "updates"), {"title": "x", "body": "y"}, format="json"), 400, "invalid")
    assert rows() == before


# --- auditors -------------------------------------------------------------------------------


def test_an_auditor_reads_every_campaign_but_every_write_is_refused(alice, bob, staff):
    draft = draft_campaign(alice, title="Brouillon")
    submitted = draft_campaign(alice, title="En relecture")
    campaign_submit(campaign=submitted, actor=alice.user)
    live = live_campaign(alice, tiers=[{"title": "Sac", "minimum": Money("10", "ACH")}])
    image = campaign_image_add(campaign=live, upload=png(), actor=alice.user)
    campaign_update_post(campaign=live, title="Nouvelles", body="Tout va bien.", actor=alice.user)
    [tier] = live.tiers.all()
    auditor = api_client_for(make_auditor())
    for campaign in (draft, submitted, live):
        assert auditor.get(url(campaign)).status_code == 200
    assert auditor.get(url(live, "updates")).status_code == 200

    before = rows()
    writes = [
        auditor.post(CAMPAIGNS, campaign_body(), format="json"),
        auditor.patch(url(draft), {"title": "x"}, format="json"),
        auditor.post(url(draft, "submit")),
        auditor.post(url(submitted, "approve"), {}, format="json"),
        auditor.post(url(submitted, "send-back"), {"comment": "Non"}, format="json"),
        auditor.post(url(live, "cancel"), {"reason": "Non"}, format="json"),
        auditor.post(url(draft, "tiers"), {"title": "Mug", "minimum": "5"}, format="json"),
        auditor.patch(url(live, "tiers", tier.pk), {"title": "x"}, format="json"),
        auditor.delete(url(live, "tiers", tier.pk)),
        auditor.post(url(live, "images"), {"image": png()}, format="multipart"),
        auditor.delete(url(live, "images", image.pk)),
        auditor.post(url(live, "updates"), {"title": "x", "body": "y"}, format="json"),
    ]
    for response in writes:
        assert_error(response, 403, "permission_denied")
    assert rows() == before
    assert sorted(Campaign.objects.values_list("status", flat=True)) == ["draft", "live", "submitted"]
    assert Account.objects.filter(kind=Account.Kind.SYSTEM, system_code=Account.SystemCode.ESCROW).count() == 1
