"""The crowdfunding tasks: the beat opens and closes campaigns, once, however often it runs."""

from __future__ import annotations

import datetime
import time
import uuid
from collections import Counter

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.utils import timezone
from djmoney.money import Money
from kombu import Exchange, Queue

from config.celery import app as celery_app
from crowdfunding.kinds import CAMPAIGN_PAYOUT
from crowdfunding.models import Campaign, Pledge
from crowdfunding.services.campaigns import campaign_approve, campaign_submit
from crowdfunding.services.pledges import pledge_create
from crowdfunding.tasks import campaign_close_now, campaigns_advance
from ledger.kinds import HOLD_CAPTURE
from ledger.models import Account, Transaction
from members.models import Member
from tests.conftest import account_of
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator
from tests.currency.funding import give_ach


def move_clock(campaign: Campaign, *, started: bool = True, ended: bool = False) -> None:
    """Time passes: the campaign's start (and maybe its deadline) is now behind us."""
    now = timezone.now()
    starts_at = now - datetime.timedelta(days=10) if started else campaign.starts_at
    deadline = now - datetime.timedelta(seconds=1) if ended else now + datetime.timedelta(days=10)
    Campaign.objects.filter(pk=campaign.pk).update(starts_at=starts_at, deadline=deadline)


def backed_campaign(make_member) -> tuple[Campaign, Member, list[Member]]:
    """A live fablab campaign with a 50 ACH goal and three backers for 60 ACH in all."""
    owner = make_member(username="fablab", kind=Member.Kind.ASSOCIATION)
    campaign = live_campaign(owner, goal="50")
    backers = [make_member(username=name) for name in ("alice", "bruno", "chloe")]
    for backer in backers:
        give_ach(backer, "100")
        pledge_create(campaign=campaign, backer=backer, amount=Money("20", "ACH"), actor=backer.user)
    return campaign, owner, backers


@pytest.mark.django_db
def test_the_beat_task_opens_the_campaigns_whose_start_came_and_closes_those_past_their_deadline(make_member):
    ending, owner, _backers = backed_campaign(make_member)
    upcoming = draft_campaign(owner, starts_in=datetime.timedelta(days=1), title="Bientôt")
    campaign_submit(campaign=upcoming, actor=owner.user)
    assert campaign_approve(campaign=upcoming, actor=moderator()).status == Campaign.Status.APPROVED
    later = draft_campaign(owner, starts_in=datetime.timedelta(days=1), title="Plus tard")
    campaign_submit(campaign=later, actor=owner.user)
    campaign_approve(campaign=later, actor=moderator())
    move_clock(upcoming)
    move_clock(ending, ended=True)

    first = campaigns_advance.apply()
    second = campaigns_advance.apply()

    assert (first.successful(), first.result) == (True, {"opened": 1, "closed": 1, "settled": 3})
    assert (second.successful(), second.result) == (True, {"opened": 0, "closed": 0, "settled": 0})
    statuses = dict(Campaign.objects.values_list("title", "status"))
    assert statuses == {
        "Un fablab aux Achards": Campaign.Status.PAID_OUT,
        "Bientôt": Campaign.Status.LIVE,
        "Plus tard": Campaign.Status.APPROVED,
    }
    ending.refresh_from_db()
    assert (ending.raised_total, ending.fee_amount, ending.payout_amount) == (6000, 180, 5820)
    assert account_of(owner, "ACH").balance == 5820
    kinds = Counter(Transaction.objects.values_list("kind", flat=True))
    assert (kinds[HOLD_CAPTURE], kinds[CAMPAIGN_PAYOUT]) == (3, 1)


@pytest.mark.skipif(
    not django_settings.CELERY_BROKER_URL.startswith("redis://"),
    reason="a real worker needs the Redis broker (CELERY_BROKER_URL=redis://…)",
)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_closes_a_campaign_sent_through_the_broker(make_member):
    campaign, owner, backers = backed_campaign(make_member)
    move_clock(campaign, ended=True)
    # A queue of its own: another test run sharing the broker can neither take nor leave work here.
    queue = f"test-crowdfunding-{uuid.uuid4().hex}"

    try:
        with start_worker(celery_app, perform_ping_check=False, pool="solo", queues=[queue], shutdown_timeout=30):
            campaign_close_now.apply_async(args=[campaign.pk], queue=queue)
            give_up_at = time.monotonic() + 20
            while (
                Campaign.objects.get(pk=campaign.pk).status != Campaign.Status.PAID_OUT
                and time.monotonic() < give_up_at
            ):
                time.sleep(0.1)
    finally:
        # Declared here so that this channel knows the bindings it must remove with the queue.
        with celery_app.connection_for_write() as broker:
            bound = Queue(queue, Exchange(queue), routing_key=queue)(broker.default_channel)
            bound.declare()
            bound.delete()

    campaign.refresh_from_db()
    assert (campaign.status, campaign.raised_total, campaign.fee_amount, campaign.payout_amount) == (
        Campaign.Status.PAID_OUT,
        6000,
        180,
        5820,
    )
    assert set(Pledge.objects.values_list("status", flat=True)) == {Pledge.Status.CAPTURED}
    assert [account_of(b, "ACH").balance for b in backers] == [8000] * 3
    assert account_of(owner, "ACH").balance == 5820
    escrow = Account.objects.get(pk=campaign.escrow_account_id)
    assert (escrow.balance, escrow.held) == (0, 0)
    assert Transaction.objects.filter(kind=CAMPAIGN_PAYOUT).count() == 1
