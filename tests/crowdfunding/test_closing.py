"""Closing at the deadline: run twice, killed half-way, refused by the ledger; one outcome per pledge."""

from __future__ import annotations

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from djmoney.money import Money

from crowdfunding.kinds import CAMPAIGN_PAYOUT
from crowdfunding.models import Campaign, Pledge
from crowdfunding.services import closing
from crowdfunding.services.closing import campaign_decide, campaigns_close_due, pledge_settle
from crowdfunding.services.pledges import pool_create
from ledger import services as ledger_services
from ledger.kinds import HOLD_CAPTURE
from ledger.models import Account, Hold, Transaction
from ledger.services import account_status_set, transfer_create
from members.models import Member
from tests.conftest import account_of
from tests.crowdfunding.helpers import live_campaign, moderator, past_deadline
from tests.crowdfunding.test_worked_examples import balance_of, escrow_of, ledger_rows, money_of, pledge, statuses
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_member) -> Member:
    return make_member(username="fablab", kind=Member.Kind.ASSOCIATION)


@pytest.fixture
def backers(make_member) -> list[Member]:
    members = [make_member(username=name) for name in ("alice", "bruno", "chloe", "denis")]
    for member in members:
        give_ach(member, "100")
    return members


def backed(owner: Member, backers: list[Member], amounts: list[str], **campaign) -> Campaign:
    campaign_ = live_campaign(owner, **campaign)
    for backer, amount in zip(backers, amounts, strict=True):
        pledge(campaign_, backer, amount)
    return campaign_


def deadline_passes(campaign: Campaign) -> None:
    """Move the clock past the deadline, as for a campaign that started eleven days ago."""
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=now - datetime.timedelta(days=11), deadline=now - datetime.timedelta(seconds=1)
    )


def kinds() -> Counter:
    return Counter(Transaction.objects.values_list("kind", flat=True))


def one_outcome_each(campaign: Campaign) -> None:
    """Every pledge settled once: each capture posted once, nothing pending."""
    for row in Pledge.objects.filter(campaign=campaign):
        hold = Hold.objects.get(pk=row.hold_id)
        expected = Hold.Status.CAPTURED if row.status == Pledge.Status.CAPTURED else Hold.Status.VOIDED
        assert (row.status in {Pledge.Status.CAPTURED, Pledge.Status.VOIDED}, hold.status) == (True, expected)
        assert Transaction.objects.filter(captured_hold=hold).count() == (1 if expected == Hold.Status.CAPTURED else 0)
    assert Hold.objects.filter(status=Hold.Status.PENDING).count() == 0


# --- the command, run twice -----------------------------------------------------------------


def test_the_command_closes_every_campaign_past_its_deadline_and_a_second_run_does_nothing(owner, backers):
    succeeding = backed(owner, backers[:3], ["40", "35.50", "30"], goal="100")
    failing = backed(owner, backers[3:], ["20"], goal="100", title="Un café associatif")
    running = backed(owner, backers[3:], ["10"], goal="100", title="Pas encore fini")
    deadline_passes(succeeding)
    deadline_passes(failing)
    rows_before = ledger_rows()

    out = StringIO()
    call_command("close_campaigns", stdout=out)

    assert out.getvalue().splitlines() == [
        f"  campaign #{succeeding.pk} “Un fablab aux Achards”: 3/3 pledges settled",
        f"  campaign #{failing.pk} “Un café associatif”: 1/1 pledges settled",
        "0 campaign(s) opened; 2 campaign(s) with closing work: 2 decided, 4 pledge(s) settled, "
        "0 refused (retried next run), 1 paid out.",
    ]
    succeeding.refresh_from_db()
    failing.refresh_from_db()
    running.refresh_from_db()
    # 105,50 raised: 3 % is 3,165, rounded half up to 3,17.
    assert (succeeding.status, succeeding.raised_total, succeeding.fee_amount, succeeding.payout_amount) == (
        Campaign.Status.PAID_OUT,
        10550,
        317,
        10233,
    )
    assert (failing.status, running.status) == (Campaign.Status.FAILED, Campaign.Status.LIVE)
    assert statuses(succeeding) == [Pledge.Status.CAPTURED] * 3
    assert statuses(failing) == [Pledge.Status.VOIDED]
    assert statuses(running) == [Pledge.Status.ACTIVE]
    assert money_of(owner) == (10233, 0, 10233)
    assert money_of(backers[3]) == (10000, 1000, 9000)
    after_first = (ledger_rows(), kinds(), succeeding.payout_transaction_id)
    assert ledger_rows()[:2] == (rows_before[0] + 4, rows_before[1] + 3 * 2 + 3)

    again = StringIO()
    call_command("close_campaigns", stdout=again)

    assert again.getvalue().splitlines() == [
        "0 campaign(s) opened; 0 campaign(s) with closing work: 0 decided, 0 pledge(s) settled, "
        "0 refused (retried next run), 0 paid out."
    ]
    succeeding.refresh_from_db()
    assert (ledger_rows(), kinds(), succeeding.payout_transaction_id) == after_first
    assert kinds()[CAMPAIGN_PAYOUT] == 1


def test_a_campaign_closed_a_week_late_captures_every_pledge_and_match(owner, backers, make_member):
    # A capture past a hold's expiry is refused (hold_expired): pledges and matches carry none,
    # the campaign's deadline is theirs, so a close delayed by a stopped beat still collects.
    sponsor = make_member(username="cc-achards", kind=Member.Kind.ASSOCIATION)
    give_ach(sponsor, "100")
    campaign = live_campaign(owner, goal="50")
    pool_create(campaign=campaign, sponsor=sponsor, actor=sponsor.user, ratio="1", total_cap=Money("50", "ACH"))
    pledge(campaign, backers[0], "30")
    pledge(campaign, backers[1], "20")
    holds = Hold.objects.filter(credit_account=escrow_of(campaign))
    assert list(holds.values_list("expires_at", flat=True)) == [None] * 4
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=now - datetime.timedelta(days=17), deadline=now - datetime.timedelta(days=7)
    )

    campaigns_close_due()

    campaign.refresh_from_db()
    assert (campaign.status, campaign.raised_total) == (Campaign.Status.PAID_OUT, 10000)
    assert statuses(campaign) == [Pledge.Status.CAPTURED] * 2
    assert (
        sorted(holds.values_list("status", "captured_amount"))
        == [(Hold.Status.CAPTURED, 2000)] * 2 + [(Hold.Status.CAPTURED, 3000)] * 2
    )
    assert (money_of(backers[0]), money_of(backers[1]), money_of(sponsor)) == (
        (7000, 0, 7000),
        (8000, 0, 8000),
        (5000, 0, 5000),
    )


def test_closing_a_campaign_twice_posts_one_payout_and_captures_each_pledge_once(owner, backers):
    campaign = backed(owner, backers, ["25", "25", "25", "25"], goal="100")
    moment = past_deadline(campaign)

    first = campaigns_close_due(now=moment)
    after_first = (ledger_rows(), kinds())
    second = campaigns_close_due(now=moment)

    assert (first.decided, first.pledges_settled, first.paid_out) == (1, 4, 1)
    assert (second.campaigns, second.decided, second.pledges_settled, second.paid_out) == (0, 0, 0, 0)
    assert (ledger_rows(), kinds()) == after_first
    assert (after_first[1][HOLD_CAPTURE], after_first[1][CAMPAIGN_PAYOUT]) == (4, 1)
    # Each step on its own, once more: still nothing.
    assert campaign_decide(campaign_id=campaign.pk, now=moment) is False
    assert [pledge_settle(pledge_id=pk) for pk in Pledge.objects.values_list("pk", flat=True)] == [False] * 4
    assert closing.campaign_payout(campaign_id=campaign.pk) is False
    assert (ledger_rows(), kinds()) == after_first
    one_outcome_each(campaign)


def test_a_campaign_is_not_decided_before_its_deadline(owner, backers):
    campaign = backed(owner, backers[:1], ["30"], goal="10")
    rows = ledger_rows()

    report = campaigns_close_due(now=campaign.deadline - datetime.timedelta(seconds=1))

    assert (report.campaigns, report.decided) == (0, 0)
    assert campaign_decide(campaign_id=campaign.pk, now=campaign.deadline - datetime.timedelta(seconds=1)) is False
    campaign.refresh_from_db()
    assert (campaign.status, campaign.decided_at) == (Campaign.Status.LIVE, None)
    assert ledger_rows() == rows
    # At the deadline itself it is decided.
    assert campaign_decide(campaign_id=campaign.pk, now=campaign.deadline) is True


# --- killed half-way ------------------------------------------------------------------------


def test_a_close_that_died_after_settling_some_pledges_is_finished_by_the_next_run(owner, backers):
    campaign = backed(owner, backers, ["30", "20", "25", "25"], goal="100")
    moment = past_deadline(campaign)
    # The worker decided, settled two pledges, and died.
    assert campaign_decide(campaign_id=campaign.pk, now=moment) is True
    first_two = list(Pledge.objects.filter(campaign=campaign).order_by("id").values_list("pk", flat=True)[:2])
    assert [pledge_settle(pledge_id=pk) for pk in first_two] == [True, True]
    assert statuses(campaign) == [Pledge.Status.CAPTURED] * 2 + [Pledge.Status.ACTIVE] * 2
    assert balance_of(escrow_of(campaign)) == (5000, 0)

    report = campaigns_close_due(now=moment)

    assert (report.campaigns, report.decided, report.pledges_settled, report.paid_out) == (1, 0, 2, 1)
    assert statuses(campaign) == [Pledge.Status.CAPTURED] * 4
    assert (kinds()[HOLD_CAPTURE], kinds()[CAMPAIGN_PAYOUT]) == (4, 1)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.payout_amount, campaign.fee_amount) == (Campaign.Status.PAID_OUT, 9700, 300)
    assert balance_of(escrow_of(campaign)) == (0, 0)
    assert [money_of(b) for b in backers] == [(7000, 0, 7000), (8000, 0, 8000), (7500, 0, 7500), (7500, 0, 7500)]
    one_outcome_each(campaign)


def test_a_close_killed_in_the_middle_of_a_capture_settles_each_pledge_once_when_run_again(owner, backers, monkeypatch):
    campaign = backed(owner, backers, ["30", "20", "25", "25"], goal="100")
    moment = past_deadline(campaign)
    real_capture = ledger_services.holds_capture_batch
    calls = Counter()

    def dies_in_the_second_chunk(**kwargs):
        calls["capture"] += 1
        if calls["capture"] == 2:
            raise RuntimeError("worker killed")
        return real_capture(**kwargs)

    # Only the ledger call is replaced, to inject the crash; everything else is the real thing.
    # Chunks of two pledges: the first commits, the second dies in its batch of captures.
    monkeypatch.setattr(closing, "holds_capture_batch", dies_in_the_second_chunk)
    with pytest.raises(RuntimeError, match="worker killed"):
        campaigns_close_due(now=moment, chunk_size=2)

    campaign.refresh_from_db()
    assert (campaign.status, campaign.payout_transaction) == (Campaign.Status.SUCCEEDED, None)
    assert statuses(campaign) == [Pledge.Status.CAPTURED] * 2 + [Pledge.Status.ACTIVE] * 2
    assert kinds()[HOLD_CAPTURE] == 2
    assert Hold.objects.filter(status=Hold.Status.PENDING).count() == 2
    assert money_of(backers[2]) == (10000, 2500, 7500)

    monkeypatch.setattr(closing, "holds_capture_batch", real_capture)
    report = campaigns_close_due(now=moment)
    campaigns_close_due(now=moment)

    assert (report.decided, report.pledges_settled, report.paid_out) == (0, 2, 1)
    assert statuses(campaign) == [Pledge.Status.CAPTURED] * 4
    assert (kinds()[HOLD_CAPTURE], kinds()[CAMPAIGN_PAYOUT]) == (4, 1)
    assert money_of(owner) == (9700, 0, 9700)
    one_outcome_each(campaign)


# --- refused by the ledger ------------------------------------------------------------------


def test_a_settle_refused_for_a_frozen_account_blocks_the_payout_until_a_later_run(owner, backers, settings):
    settings.LANGUAGE_CODE = "en"  # the refusal is recorded in the site's language
    campaign = backed(owner, backers[:3], ["40", "35", "30"], goal="100")
    moment = past_deadline(campaign)
    frozen = account_of(backers[1], "ACH")
    account_status_set(account=frozen, status=Account.Status.FROZEN, actor=moderator())

    report = campaigns_close_due(now=moment)

    assert (report.decided, report.pledges_settled, report.pledges_refused, report.paid_out) == (1, 2, 1, 0)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.payout_transaction) == (Campaign.Status.SUCCEEDED, None)
    rows = list(Pledge.objects.filter(campaign=campaign).order_by("id").values_list("status", "settle_error"))
    assert rows == [
        (Pledge.Status.CAPTURED, ""),
        (Pledge.Status.ACTIVE, "Account Bruno is frozen."),
        (Pledge.Status.CAPTURED, ""),
    ]
    assert money_of(backers[1]) == (10000, 3500, 6500)
    assert balance_of(escrow_of(campaign)) == (7000, 0)
    assert money_of(owner) == (0, 0, 0)
    # Still frozen: the next run refuses again and pays nothing.
    again = campaigns_close_due(now=moment)
    assert (again.campaigns, again.pledges_settled, again.pledges_refused, again.paid_out) == (1, 0, 1, 0)

    account_status_set(account=frozen, status=Account.Status.OPEN, actor=moderator())
    final = campaigns_close_due(now=moment)

    assert (final.pledges_settled, final.pledges_refused, final.paid_out) == (1, 0, 1)
    assert (
        list(Pledge.objects.filter(campaign=campaign).values_list("status", "settle_error"))
        == [(Pledge.Status.CAPTURED, "")] * 3
    )
    campaign.refresh_from_db()
    assert (campaign.status, campaign.raised_total, campaign.fee_amount, campaign.payout_amount) == (
        Campaign.Status.PAID_OUT,
        10500,
        315,
        10185,
    )
    assert money_of(backers[1]) == (6500, 0, 6500)
    assert (kinds()[HOLD_CAPTURE], kinds()[CAMPAIGN_PAYOUT]) == (3, 1)
    one_outcome_each(campaign)


def test_a_payout_refused_at_the_owners_upper_limit_is_recorded_and_paid_by_a_later_run(make_member, settings):
    settings.LANGUAGE_CODE = "en"  # the refusal is recorded in the site's language
    owner = make_member(username="jardinpartage")
    neighbours = [make_member(username=f"voisin{i}") for i in range(5)]
    # Five neighbours each owe the garden 20 h: its account is at the +100 h ceiling.
    for neighbour in neighbours:
        transfer_create(
            from_account=account_of(neighbour, "HRS"),
            to_account=account_of(owner, "HRS"),
            amount=Money("20", "HRS"),
            actor=None,
        )
    assert money_of(owner, "HRS") == (10000, 0, 12000)
    backers = [make_member(username=name) for name in ("alice", "bruno")]
    campaign = live_campaign(owner, unit="HRS", goal="5")
    pledge(campaign, backers[0], "3")
    pledge(campaign, backers[1], "2.5")
    moment = past_deadline(campaign)

    report = campaigns_close_due(now=moment)

    assert (report.decided, report.pledges_settled, report.paid_out) == (1, 2, 0)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.payout_transaction, campaign.payout_amount) == (
        Campaign.Status.SUCCEEDED,
        None,
        0,
    )
    assert campaign.payout_error == "Jardinpartage would go above its upper limit of 100 h."
    assert balance_of(escrow_of(campaign)) == (550, 0)
    assert money_of(owner, "HRS") == (10000, 0, 12000)
    assert [money_of(b, "HRS") for b in backers] == [(-300, 0, 1700), (-250, 0, 1750)]
    assert campaigns_close_due(now=moment).paid_out == 0

    # The garden gives ten hours back to a neighbour: the payout now fits.
    transfer_create(
        from_account=account_of(owner, "HRS"),
        to_account=account_of(neighbours[0], "HRS"),
        amount=Money("10", "HRS"),
        actor=None,
    )
    final = campaigns_close_due(now=moment)

    assert (final.campaigns, final.pledges_settled, final.paid_out) == (1, 0, 1)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.payout_amount, campaign.fee_amount, campaign.payout_error) == (
        Campaign.Status.PAID_OUT,
        550,
        0,
        "",
    )
    assert money_of(owner, "HRS") == (9550, 0, 11550)
    assert balance_of(escrow_of(campaign)) == (0, 0)
    assert kinds()[CAMPAIGN_PAYOUT] == 1
    assert campaigns_close_due(now=moment).campaigns == 0


def test_a_pledge_made_while_the_membership_was_valid_is_collected_even_if_it_lapsed_since(owner, backers):
    campaign = backed(owner, backers[:2], ["30", "25"], goal="50")
    Member.objects.filter(pk=backers[0].pk).update(
        membership_expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )

    report = campaigns_close_due(now=past_deadline(campaign))

    assert (report.pledges_settled, report.pledges_refused, report.paid_out) == (2, 0, 1)
    assert statuses(campaign) == [Pledge.Status.CAPTURED] * 2
    assert [money_of(b) for b in backers[:2]] == [(7000, 0, 7000), (7500, 0, 7500)]
    assert money_of(owner) == (5335, 0, 5335)
