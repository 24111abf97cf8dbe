"""Closing in chunks through the ledger's batch path: several chunks, matches, a frozen backer in the
middle, reruns, two closers racing; every hold resolved once, one payout, each backer told once."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.utils import timezone
from djmoney.money import Money

from config.celery import app as celery_app
from core.models import Notification
from crowdfunding.kinds import CAMPAIGN_PAYOUT
from crowdfunding.models import Campaign, Pledge
from crowdfunding.services.closing import campaigns_close_due
from crowdfunding.services.pledges import pool_create
from crowdfunding.tasks import campaign_close_now
from ledger.kinds import HOLD_CAPTURE, REVERSAL
from ledger.models import Account, Hold, Transaction
from ledger.services import account_status_set, hold_capture
from members.models import Member
from tests.concurrency import race
from tests.conftest import account_of, requires_postgresql
from tests.crowdfunding.helpers import live_campaign, moderator, past_deadline
from tests.crowdfunding.test_worked_examples import balance_of, escrow_of, money_of, pledge, statuses
from tests.currency.funding import give_ach

NAMES = ("alice", "bruno", "chloe", "denis", "emile")
AMOUNTS = ("10", "20", "30", "40", "50")
A, C = Pledge.Status.ACTIVE, Pledge.Status.CAPTURED


def kinds() -> Counter:
    return Counter(Transaction.objects.values_list("kind", flat=True))


def told() -> Counter:
    return Counter(Notification.objects.filter(kind="pledge_decided").values_list("dedupe_key", flat=True))


def matched_campaign(make_member, goal: str) -> tuple[Campaign, Member, Member, list[Member]]:
    """Five backers pledge 10 to 50 ACH; a sponsor matches 1 for 1 up to 10 each, 40 in all."""
    owner = make_member(username="atelier", kind=Member.Kind.ASSOCIATION)
    sponsor = make_member(username="cc-achards", kind=Member.Kind.ASSOCIATION)
    give_ach(sponsor, "100")
    backers = [make_member(username=name, email=f"{name}@bocage.test") for name in NAMES]
    for backer in backers:
        give_ach(backer, "100")
    campaign = live_campaign(owner, goal=goal)
    pool_create(
        campaign=campaign,
        sponsor=sponsor,
        ratio="1",
        per_backer_cap=Money("10", "ACH"),
        total_cap=Money("40", "ACH"),
        actor=moderator(),
    )
    pledges = [pledge(campaign, backer, amount) for backer, amount in zip(backers, AMOUNTS, strict=True)]
    assert [p.match_amount for p in pledges] == [1000, 1000, 1000, 1000, 0]
    return campaign, owner, sponsor, backers


@pytest.mark.django_db
def test_a_frozen_backer_in_the_middle_stays_running_the_others_settle_in_chunks_and_one_payout_follows(
    make_member, settings
):
    settings.LANGUAGE_CODE = "en"  # the refusal is recorded in the site's language
    campaign, owner, sponsor, backers = matched_campaign(make_member, goal="100")
    chloe = account_of(backers[2], "ACH")
    account_status_set(account=chloe, status=Account.Status.FROZEN, actor=moderator())
    moment = past_deadline(campaign)

    report = campaigns_close_due(now=moment, chunk_size=2)

    assert (report.decided, report.pledges_settled, report.pledges_refused, report.paid_out) == (1, 4, 1, 0)
    rows = list(Pledge.objects.filter(campaign=campaign).order_by("id").values_list("status", "settle_error"))
    assert rows == [(C, ""), (C, ""), (A, "Account Chloe is frozen."), (C, ""), (C, "")]
    campaign.refresh_from_db()
    assert (campaign.status, campaign.payout_transaction) == (Campaign.Status.SUCCEEDED, None)
    # The refused pledge moved nothing, its match neither: both still held.
    assert [money_of(b) for b in backers] == [
        (9000, 0, 9000),
        (8000, 0, 8000),
        (10000, 3000, 7000),
        (6000, 0, 6000),
        (5000, 0, 5000),
    ]
    assert money_of(sponsor) == (7000, 1000, 6000)
    assert balance_of(escrow_of(campaign)) == (15000, 0)
    assert money_of(owner) == (0, 0, 0)
    assert kinds()[HOLD_CAPTURE] == 7
    assert len(told()) == 4

    # Still frozen: the next run refuses again and pays nothing.
    again = campaigns_close_due(now=moment, chunk_size=2)
    assert (again.campaigns, again.pledges_settled, again.pledges_refused, again.paid_out) == (1, 0, 1, 0)

    account_status_set(account=chloe, status=Account.Status.OPEN, actor=moderator())
    final = campaigns_close_due(now=moment, chunk_size=2)

    assert (final.pledges_settled, final.pledges_refused, final.paid_out) == (1, 0, 1)
    assert statuses(campaign) == [C] * 5
    campaign.refresh_from_db()
    # 150 pledged and 40 matched; 3 % of 190 is 5,70.
    assert (campaign.status, campaign.raised_total, campaign.fee_amount, campaign.payout_amount) == (
        Campaign.Status.PAID_OUT,
        19000,
        570,
        18430,
    )
    assert [money_of(b)[:2] for b in backers] == [(9000, 0), (8000, 0), (7000, 0), (6000, 0), (5000, 0)]
    assert money_of(sponsor) == (6000, 0, 6000)
    assert money_of(owner) == (18430, 0, 18430)
    assert balance_of(escrow_of(campaign)) == (0, 0)
    assert (kinds()[HOLD_CAPTURE], kinds()[CAMPAIGN_PAYOUT]) == (9, 1)
    assert set(Hold.objects.values_list("status", flat=True)) == {Hold.Status.CAPTURED}
    assert told() == Counter({f"pledge_decided:{pk}": 1 for pk in Pledge.objects.values_list("pk", flat=True)})

    nothing = campaigns_close_due(now=moment, chunk_size=2)
    assert (nothing.campaigns, nothing.pledges_settled, nothing.paid_out) == (0, 0, 0)
    assert (kinds()[HOLD_CAPTURE], kinds()[CAMPAIGN_PAYOUT], len(told())) == (9, 1, 5)


@pytest.mark.django_db
def test_a_failed_campaign_in_chunks_releases_every_pledge_and_match_and_refunds_a_capture_behind_its_back(
    make_member, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "en"  # the mails are written in the site's language
    campaign, _owner, sponsor, backers = matched_campaign(make_member, goal="1000")
    first = Pledge.objects.filter(campaign=campaign).order_by("id").first()
    assert first is not None and first.hold is not None
    hold_capture(hold=first.hold, actor=None, flow=True)  # captured behind the campaign's back
    assert money_of(backers[0]) == (9000, 0, 9000)

    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers what committed
        report = campaigns_close_due(now=past_deadline(campaign), chunk_size=2)

    assert (report.decided, report.pledges_settled, report.pledges_refused, report.paid_out) == (1, 5, 0, 0)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.FAILED
    assert statuses(campaign) == [Pledge.Status.VOIDED] * 5
    assert [money_of(b) for b in backers] == [(10000, 0, 10000)] * 5
    assert money_of(sponsor) == (10000, 0, 10000)
    assert balance_of(escrow_of(campaign)) == (0, 0)
    assert (kinds()[HOLD_CAPTURE], kinds()[REVERSAL]) == (1, 1)
    assert Transaction.objects.filter(idempotency_key=f"pledge:{first.pk}:refund").count() == 1
    assert Hold.objects.filter(status=Hold.Status.VOIDED).count() == 8  # 4 pledges + 4 matches
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(f"{name}@bocage.test" for name in NAMES)
    assert {mail.subject for mail in mailoutbox} == {
        "“Un fablab aux Achards” did not reach its goal: your pledge is released"
    }

    with django_capture_on_commit_callbacks(execute=True):
        again = campaigns_close_due(now=past_deadline(campaign), chunk_size=2)
    assert (again.campaigns, again.pledges_settled) == (0, 0)
    assert (len(mailoutbox), len(told()), kinds()[REVERSAL]) == (5, 5, 1)


@pytest.mark.django_db
def test_the_close_now_task_settles_chunk_after_chunk_then_pays_out(make_member, monkeypatch):
    campaign, owner, _sponsor, _backers = matched_campaign(make_member, goal="100")
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    # Each chunk's task runs in this process (eager), as a worker would run it.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)

    campaign_close_now.apply(args=[campaign.pk], kwargs={"chunk_size": 2})

    campaign.refresh_from_db()
    assert (campaign.status, campaign.payout_amount) == (Campaign.Status.PAID_OUT, 18430)
    assert statuses(campaign) == [C] * 5
    assert (kinds()[HOLD_CAPTURE], kinds()[CAMPAIGN_PAYOUT]) == (9, 1)
    assert money_of(owner) == (18430, 0, 18430)


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_two_closers_racing_in_chunks_capture_each_hold_once_and_pay_out_once(make_member):
    campaign, owner, sponsor, backers = matched_campaign(make_member, goal="100")
    moment = past_deadline(campaign)

    reports = race([lambda: campaigns_close_due(now=moment, chunk_size=2)] * 2)

    assert sum(r.decided for r in reports) == 1
    assert sum(r.pledges_settled for r in reports) == 5
    assert sum(r.pledges_refused for r in reports) == 0
    assert sum(r.paid_out for r in reports) == 1
    campaign.refresh_from_db()
    assert (campaign.status, campaign.raised_total, campaign.payout_amount) == (Campaign.Status.PAID_OUT, 19000, 18430)
    assert (kinds()[HOLD_CAPTURE], kinds()[CAMPAIGN_PAYOUT]) == (9, 1)
    assert Counter(Transaction.objects.filter(kind=HOLD_CAPTURE).values_list("idempotency_key", flat=True)) == Counter(
        {f"hold-capture:{pk}": 1 for pk in Hold.objects.values_list("pk", flat=True)}
    )
    assert [money_of(b)[:2] for b in backers] == [(9000, 0), (8000, 0), (7000, 0), (6000, 0), (5000, 0)]
    assert money_of(sponsor) == (6000, 0, 6000)
    assert money_of(owner) == (18430, 0, 18430)
    assert balance_of(escrow_of(campaign)) == (0, 0)
    assert told() == Counter({f"pledge_decided:{pk}": 1 for pk in Pledge.objects.values_list("pk", flat=True)})
