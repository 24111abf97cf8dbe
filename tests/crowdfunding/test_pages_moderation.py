"""The moderators' queue: staff only (404 for others); approve, send back, cancel through the
forms; refused payouts listed with a "close now" button that queues the closing task."""

from __future__ import annotations

from decimal import Decimal

import pytest
from djmoney.money import Money

from config.celery import app as celery_app
from crowdfunding.models import Campaign, Pledge
from crowdfunding.services.campaigns import campaign_submit
from crowdfunding.services.closing import campaign_close
from crowdfunding.services.pledges import pledge_create
from ledger.models import Account
from ledger.services import account_status_set
from tests.conftest import account_of
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator, past_deadline
from tests.crowdfunding.test_pages_public import browse, html, ledger_counts
from tests.currency.funding import give_ach


@pytest.fixture
def owner(make_member):
    return make_member(username="fablab", display_name="Fablab des Achards", email="fablab@example.org")


@pytest.fixture
def submitted(owner):
    campaign = draft_campaign(owner)
    return campaign_submit(campaign=campaign, actor=owner.user)


def test_the_queue_is_for_staff_only(db, submitted, owner):
    assert browse(owner.user).get("/campaigns/moderation/").status_code == 404
    assert browse().get("/campaigns/moderation/").status_code == 302
    assert browse(owner.user).post(f"/campaigns/{submitted.pk}/moderation/approve/").status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Campaign.Status.SUBMITTED
    page = html(browse(moderator()).get("/campaigns/moderation/"))
    item = page.split(f'data-campaign="{submitted.pk}"')[1].split("</article>")[0]
    assert "Un fablab aux Achards" in item and "Fablab des Achards" in item and "100.00 ACH" in item
    for button in (f"approve-{submitted.pk}", f"send-back-{submitted.pk}", f"cancel-{submitted.pk}"):
        assert f'id="{button}"' in item
    assert f'for="send-back-{submitted.pk}-comment"' in item  # every label tied to its own field


def test_approving_with_a_fee_rate_opens_the_campaign(db, submitted):
    response = browse(moderator()).post(
        f"/campaigns/{submitted.pk}/moderation/approve/", {"fee_rate": "0.05", "comment": "Bravo."}
    )
    assert response.status_code == 302 and response["Location"] == "/campaigns/moderation/"
    submitted.refresh_from_db()
    assert (submitted.status, submitted.fee_rate, submitted.moderation_comment) == (
        Campaign.Status.LIVE,
        Decimal("0.0500"),
        "Bravo.",
    )
    assert submitted.escrow_account.kind == Account.Kind.SYSTEM


def test_a_fee_rate_out_of_bounds_is_refused_and_nothing_opens(db, submitted):
    accounts = Account.objects.count()
    response = browse(moderator()).post(f"/campaigns/{submitted.pk}/moderation/approve/", {"fee_rate": "0.5"})
    assert response.status_code == 422
    assert "A rate between 0 and 0.2, at most four decimals." in response.content.decode()
    submitted.refresh_from_db()
    assert (submitted.status, submitted.escrow_account, Account.objects.count()) == (
        Campaign.Status.SUBMITTED,
        None,
        accounts,
    )


def test_sending_back_needs_a_comment(db, submitted):
    client = browse(moderator())
    response = client.post(f"/campaigns/{submitted.pk}/moderation/send-back/", {"comment": "  "})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    submitted.refresh_from_db()
    assert (submitted.status, submitted.moderation_comment) == (Campaign.Status.SUBMITTED, "")
    client.post(f"/campaigns/{submitted.pk}/moderation/send-back/", {"comment": "Ajoutez des photos."})
    submitted.refresh_from_db()
    assert (submitted.status, submitted.moderation_comment) == (Campaign.Status.DRAFT, "Ajoutez des photos.")
    assert f'data-campaign="{submitted.pk}"' not in html(client.get("/campaigns/moderation/"))


def test_cancelling_needs_a_reason_and_releases_every_pledge(db, owner, make_member):
    campaign = live_campaign(owner)
    backer = make_member()
    give_ach(backer, "50")
    pledge_create(campaign=campaign, backer=backer, amount=Money("30", "ACH"), actor=backer.user)
    client = browse(moderator())
    page = html(client.get(f"/campaigns/{campaign.pk}/"))
    assert f'action="/campaigns/{campaign.pk}/moderation/cancel/"' in page
    counts = ledger_counts()
    refused = client.post(
        f"/campaigns/{campaign.pk}/moderation/cancel/", {"reason": "", "next": f"/campaigns/{campaign.pk}/"}
    )
    assert refused.status_code == 302 and refused["Location"] == f"/campaigns/{campaign.pk}/"
    assert "This field is required." in html(client.get(refused["Location"]))
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.LIVE and ledger_counts() == counts
    assert account_of(backer, "ACH").held == 3000
    client.post(
        f"/campaigns/{campaign.pk}/moderation/cancel/", {"reason": "Porteur injoignable.", "next": "https://evil.test/"}
    )
    campaign.refresh_from_db()
    assert (campaign.status, campaign.cancelled_reason) == (Campaign.Status.CANCELLED, "Porteur injoignable.")
    assert Pledge.objects.get().status == Pledge.Status.VOIDED
    assert (account_of(backer, "ACH").balance, account_of(backer, "ACH").held) == (5000, 0)


def test_a_refused_payout_is_listed_and_close_now_runs_the_closing_task(
    db, owner, make_member, monkeypatch, django_capture_on_commit_callbacks
):
    campaign = live_campaign(owner, goal="20")
    backer = make_member()
    give_ach(backer, "50")
    pledge_create(campaign=campaign, backer=backer, amount=Money("30", "ACH"), actor=backer.user)
    account_status_set(account=account_of(owner, "ACH"), status=Account.Status.FROZEN, actor=moderator())
    campaign, _report = campaign_close(campaign=campaign, now=past_deadline(campaign))
    assert campaign.status == Campaign.Status.SUCCEEDED and campaign.payout_error
    client = browse(moderator())
    page = html(client.get("/campaigns/moderation/"))
    item = page.split(f'data-campaign="{campaign.pk}"')[1].split("</article>")[0]
    assert campaign.payout_error in item and f'id="close-now-{campaign.pk}"' in item
    assert browse(owner.user).post(f"/campaigns/{campaign.pk}/moderation/close-now/").status_code == 404
    account_status_set(account=account_of(owner, "ACH"), status=Account.Status.OPEN, actor=moderator())
    # The task runs in this process (eager), after the request's commit, as a worker would run it.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/campaigns/{campaign.pk}/moderation/close-now/")
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.status, campaign.payout_error, campaign.payout_amount) == (Campaign.Status.PAID_OUT, "", 2910)
    assert account_of(owner, "ACH").balance == 2910
