"""Whole crowdfunding stories told through the API alone, closed as the beat task would; and the schema."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from crowdfunding.models import Campaign, Pledge
from ledger.models import Account, Hold
from ledger.services import system_account
from members.models import Member
from tests.conftest import account_of, api_client_for
from tests.crowdfunding.helpers import moderator
from tests.crowdfunding.test_api_campaigns import CAMPAIGNS, campaign_body, money_of, url
from tests.currency.funding import give_ach


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    return response.json()


def move_deadline_to_the_past(campaign_id: int) -> None:
    """Time passes: the deadline is now behind us (as the beat task would find it)."""
    Campaign.objects.filter(pk=campaign_id).update(deadline=timezone.now() - datetime.timedelta(seconds=1))


def close_campaigns() -> str:
    out = io.StringIO()
    call_command("close_campaigns", stdout=out)
    return out.getvalue()


@pytest.fixture
def people(make_member) -> dict[str, Member]:
    people = {
        "owner": make_member(username="fablab", display_name="Fablab des Achards", kind=Member.Kind.ASSOCIATION),
        "bob": make_member(username="bob", display_name="Bob"),
        "carol": make_member(username="carol", display_name="Carol"),
        "dave": make_member(username="dave", display_name="Boulangerie Dave", kind=Member.Kind.BUSINESS),
    }
    for name in ("bob", "carol", "dave"):
        give_ach(people[name], "100")
    return people


def start_campaign(owner: Member, goal: str) -> tuple[int, int]:
    """Write, reward, submit and have approved (5 % fee) a campaign through the API: (campaign, mug) ids."""
    client = api_client_for(owner.user)
    start = timezone.now() - datetime.timedelta(hours=1)
    body = campaign_body(
        title="Un fablab aux Achards",
        goal=goal,
        starts_at=start.isoformat(),
        deadline=(start + datetime.timedelta(days=30)).isoformat(),
    )
    campaign_id = ok(client.post(CAMPAIGNS, body, format="json"), 201)["id"]
    mug = ok(client.post(url(campaign_id, "tiers"), {"title": "Mug", "minimum": "20", "stock": 5}, format="json"), 201)
    ok(client.post(url(campaign_id, "tiers"), {"title": "Merci", "minimum": "5"}, format="json"), 201)
    assert ok(client.post(url(campaign_id, "submit")))["status"] == "submitted"
    approved = ok(api_client_for(moderator()).post(url(campaign_id, "approve"), {"fee_rate": "0.05"}, format="json"))
    assert (approved["status"], approved["fee_rate"]) == ("live", "0.0500")
    return campaign_id, mug["id"]


def test_a_campaign_written_backed_matched_and_closed_through_the_api_pays_its_owner(people):
    owner, bob, carol, dave = people["owner"], people["bob"], people["carol"], people["dave"]
    fees_before = system_account(Account.SystemCode.FEES, "ACH").balance
    campaign_id, mug = start_campaign(owner, goal="100")

    bobs = ok(
        api_client_for(bob.user).post(
            url(campaign_id, "pledges"),
            {"amount": "40", "tier": mug, "anonymous": False},
            format="json",
            headers={"Idempotency-Key": "b-1"},
        ),
        201,
    )
    carols = ok(
        api_client_for(carol.user).post(
            url(campaign_id, "pledges"), {"amount": "30", "anonymous": True}, format="json"
        ),
        201,
    )
    pool = ok(
        api_client_for(dave.user).post(
            url(campaign_id, "matching-pools"),
            {"ratio": "1", "total_cap": "50", "per_backer_cap": "20"},
            format="json",
        ),
        201,
    )
    assert (pool["matched_total"], pool["remaining"]) == ("40.00", "10.00")
    assert (money_of(bob), money_of(carol), money_of(dave)) == ((10000, 4000), (10000, 3000), (10000, 4000))

    live = ok(api_client_for(None).get(url(campaign_id)))
    assert live["progress"] == {
        "pledged": "110.00",
        "matched": "40.00",
        "backers": 2,
        "percent": 110,
        "stretch_percent": None,
        "days_left": 29,
        "pledges_total": 2,
        "pledges_settled": 0,
    }
    assert [(tier["title"], tier["remaining"]) for tier in live["tiers"]] == [("Mug", 4), ("Merci", None)]
    news = {"title": "Merci !", "body": "L'objectif est atteint."}
    ok(api_client_for(owner.user).post(url(campaign_id, "updates"), news, format="json"), 201)

    move_deadline_to_the_past(campaign_id)
    report = close_campaigns()
    assert "1 decided, 2 pledge(s) settled, 0 refused (retried next run), 1 paid out." in report

    closed = ok(api_client_for(None).get(url(campaign_id)))
    assert {key: closed[key] for key in ("status", "raised_total", "fee_amount", "payout_amount")} == {
        "status": "paid_out",
        "raised_total": "110.00",
        "fee_amount": "5.50",
        "payout_amount": "104.50",
    }
    assert closed["paid_out_at"] is not None
    assert closed["progress"] == {
        "pledged": "110.00",
        "matched": "40.00",
        "backers": 2,
        "percent": 110,
        "stretch_percent": None,
        "days_left": None,
        "pledges_total": 2,
        "pledges_settled": 2,
    }
    # Every hold was collected: the backers and the sponsor paid exactly what they pledged or matched.
    assert (money_of(bob), money_of(carol), money_of(dave)) == ((6000, 0), (7000, 0), (6000, 0))
    assert money_of(owner) == (10450, 0)
    assert system_account(Account.SystemCode.FEES, "ACH").balance - fees_before == 550
    assert Account.objects.get(pk=Campaign.objects.get(pk=campaign_id).escrow_account_id).balance == 0
    assert set(Hold.objects.values_list("status", flat=True)) == {Hold.Status.CAPTURED}

    # The owner sees who to deliver rewards to; Carol, anonymous with no reward, is not named.
    owner_client = api_client_for(owner.user)
    pledges = ok(owner_client.get(url(campaign_id, "pledges")))["results"]
    assert [(p["backer"], p["tier"], p["status"], p["anonymous"]) for p in pledges] == [
        ({"id": bob.pk, "display_name": "Bob"}, {"id": mug, "title": "Mug"}, "captured", False),
        (None, None, "captured", True),
    ]
    delivered = ok(
        owner_client.post(url(campaign_id, "pledges", bobs["id"], "delivered"), {"delivered": True}, format="json")
    )
    assert delivered["reward_delivered_at"] is not None
    assert ok(api_client_for(carol.user).get(url(campaign_id, "pledges", carols["id"])))["status"] == "captured"

    # Running the close again changes nothing.
    assert "0 campaign(s) with closing work" in close_campaigns()
    assert money_of(owner) == (10450, 0)
    assert ok(api_client_for(None).get(url(campaign_id)))["status"] == "paid_out"


def test_a_campaign_that_misses_its_goal_through_the_api_gives_every_backer_their_balance_back(people):
    owner, bob, carol = people["owner"], people["bob"], people["carol"]
    campaign_id, mug = start_campaign(owner, goal="500")
    ok(api_client_for(bob.user).post(url(campaign_id, "pledges"), {"amount": "40", "tier": mug}, format="json"), 201)
    carols = ok(api_client_for(carol.user).post(url(campaign_id, "pledges"), {"amount": "30"}, format="json"), 201)
    ok(api_client_for(carol.user).patch(url(campaign_id, "pledges", carols["id"]), {"amount": "60"}, format="json"))
    assert (money_of(bob), money_of(carol)) == ((10000, 4000), (10000, 6000))

    move_deadline_to_the_past(campaign_id)
    close_campaigns()

    closed = ok(api_client_for(None).get(url(campaign_id)))
    assert {key: closed[key] for key in ("status", "raised_total", "fee_amount", "payout_amount")} == {
        "status": "failed",
        "raised_total": "100.00",
        "fee_amount": "0.00",
        "payout_amount": "0.00",
    }
    assert (closed["progress"]["pledges_settled"], closed["progress"]["pledges_total"]) == (2, 2)
    assert (money_of(bob), money_of(carol), money_of(owner)) == ((10000, 0), (10000, 0), (0, 0))
    assert set(Pledge.objects.values_list("status", flat=True)) == {Pledge.Status.VOIDED}
    # Decided: no pledge can change any more.
    response = api_client_for(carol.user).patch(
        url(campaign_id, "pledges", carols["id"]), {"amount": "10"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (422, "campaign_closed")
    assert account_of(carol, "ACH").held == 0


def test_the_schema_documents_every_crowdfunding_endpoint_without_a_warning(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in [
        "/api/campaigns/:",
        "/api/campaigns/mine/:",
        "/api/campaigns/moderation/:",
        "/api/campaigns/{id}/:",
        "/api/campaigns/{id}/submit/:",
        "/api/campaigns/{id}/approve/:",
        "/api/campaigns/{id}/send-back/:",
        "/api/campaigns/{id}/cancel/:",
        "/api/campaigns/{id}/tiers/:",
        "/api/campaigns/{id}/tiers/{tier_id}/:",
        "/api/campaigns/{id}/images/:",
        "/api/campaigns/{id}/images/{image_id}/:",
        "/api/campaigns/{id}/updates/:",
        "/api/campaigns/{id}/pledges/:",
        "/api/campaigns/{id}/pledges/{pledge_id}/:",
        "/api/campaigns/{id}/pledges/{pledge_id}/delivered/:",
        "/api/campaigns/{id}/matching-pools/:",
        "/api/campaigns/{id}/matching-pools/{pool_id}/close/:",
    ]:
        assert f"\n  {path}\n" in text, path
