"""Whole crowdfunding stories told through the services, with every balance they touch.

Balances are in minor units: 4550 is 45,50 ACH, 350 is 3 h 30.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Q
from djmoney.money import Money

from crowdfunding.kinds import CAMPAIGN_PAYOUT
from crowdfunding.models import Campaign, MatchingPool, Pledge
from crowdfunding.services.campaigns import campaign_cancel
from crowdfunding.services.closing import campaigns_close_due
from crowdfunding.services.pledges import pledge_change, pledge_create, pledge_withdraw, pool_create
from ledger.kinds import HOLD_CAPTURE
from ledger.models import Account, Entry, Hold, Transaction
from ledger.services import system_account
from members.models import Member
from tests.conftest import account_of
from tests.crowdfunding.helpers import live_campaign, moderator, past_deadline, tier
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


# --- helpers shared by the crowdfunding service tests ---------------------------------------


def money_of(member: Member, unit: str = "ACH") -> tuple[int, int, int | None]:
    """(balance, held, available) of the member's account, fresh from the database."""
    account = account_of(member, unit)
    return account.balance, account.held, account.available


def balance_of(account: Account) -> tuple[int, int]:
    account.refresh_from_db()
    return account.balance, account.held


def ledger_rows() -> tuple[int, int, int]:
    """(transactions, entries, holds): what a refusal must leave as it found it."""
    return Transaction.objects.count(), Entry.objects.count(), Hold.objects.count()


def pledge(campaign: Campaign, backer: Member, amount: str, **extra) -> Pledge:
    return pledge_create(
        campaign=campaign, backer=backer, amount=Money(amount, campaign.unit), actor=backer.user, **extra
    )


def fees_balance(unit: str = "ACH") -> int:
    return system_account(Account.SystemCode.FEES, unit).balance


def escrow_of(campaign: Campaign) -> Account:
    campaign.refresh_from_db()
    assert campaign.escrow_account is not None
    return Account.objects.get(pk=campaign.escrow_account.pk)


def pledge_holds(campaign: Campaign) -> Q:
    """The holds of the campaign's pledges (not their matches)."""
    return Q(pk__in=Pledge.objects.filter(campaign=campaign).values("hold_id"))


def statuses(campaign: Campaign) -> list[str]:
    return list(Pledge.objects.filter(campaign=campaign).order_by("id").values_list("status", flat=True))


# --- stories --------------------------------------------------------------------------------


def test_an_all_or_nothing_campaign_that_succeeds_pays_the_owner_less_a_three_percent_fee(make_member, settings):
    settings.LANGUAGE_CODE = "en"  # the books are written in the site's language
    owner = make_member(username="fablab", kind=Member.Kind.ASSOCIATION)
    alice, bruno, chloe = (make_member(username=name) for name in ("alice", "bruno", "chloe"))
    for backer in (alice, bruno, chloe):
        give_ach(backer, "100")
    campaign = live_campaign(
        owner,
        goal="100",
        tiers=[
            {"title": "Carte postale", "minimum": Money("10", "ACH")},
            {"title": "Atelier découverte", "minimum": Money("30", "ACH"), "stock": 2},
        ],
    )
    assert campaign.status == Campaign.Status.LIVE
    assert campaign.fee_rate == Decimal("0.0300")
    fees_before = fees_balance()
    rows_before = ledger_rows()

    pledge(campaign, alice, "45.50", tier=tier(campaign, "Atelier découverte"))
    pledge(campaign, bruno, "35", tier=tier(campaign, "Atelier découverte"))
    pledge(campaign, chloe, "21", tier=tier(campaign, "Carte postale"), anonymous=True)

    # Held, not taken: each backer can spend only what is left.
    assert money_of(alice) == (10000, 4550, 5450)
    assert money_of(bruno) == (10000, 3500, 6500)
    assert money_of(chloe) == (10000, 2100, 7900)
    assert ledger_rows() == (rows_before[0], rows_before[1], rows_before[2] + 3)
    assert [t.claimed for t in campaign.tiers.order_by("minimum")] == [1, 2]

    report = campaigns_close_due(now=past_deadline(campaign))

    assert (report.campaigns, report.decided, report.pledges_settled, report.pledges_refused, report.paid_out) == (
        1,
        1,
        3,
        0,
        1,
    )
    campaign.refresh_from_db()
    # 101,50 ACH raised: 3 % is 3,045 ACH, rounded half up to 3,05 ACH (half-even would say 3,04).
    assert (campaign.status, campaign.raised_total, campaign.fee_amount, campaign.payout_amount) == (
        Campaign.Status.PAID_OUT,
        10150,
        305,
        9845,
    )
    assert money_of(alice) == (10000 - 4550, 0, 5450)
    assert money_of(bruno) == (10000 - 3500, 0, 6500)
    assert money_of(chloe) == (10000 - 2100, 0, 7900)
    assert money_of(owner) == (9845, 0, 9845)
    assert fees_balance() - fees_before == 305
    assert balance_of(escrow_of(campaign)) == (0, 0)
    assert statuses(campaign) == [Pledge.Status.CAPTURED] * 3
    assert set(Hold.objects.filter(pledge_holds(campaign)).values_list("status", flat=True)) == {Hold.Status.CAPTURED}
    # Three captures (backer → escrow) and one payout (escrow → owner and fees).
    assert ledger_rows() == (rows_before[0] + 4, rows_before[1] + 3 * 2 + 3, rows_before[2] + 3)
    payout = campaign.payout_transaction
    assert payout is not None and payout.kind_id == CAMPAIGN_PAYOUT
    escrow = escrow_of(campaign)
    assert sorted(payout.entries.values_list("account_id", "amount")) == sorted(
        [
            (escrow.pk, -10150),
            (account_of(owner, "ACH").pk, 9845),
            (system_account(Account.SystemCode.FEES, "ACH").pk, 305),
        ]
    )
    # Each backer's statement says why the money left.
    capture = Entry.objects.filter(account=account_of(alice, "ACH")).latest("id").transaction
    assert capture.kind_id == HOLD_CAPTURE
    assert capture.memo == (
        f"Pledge to “Un fablab aux Achards” (campaign #{campaign.pk}) collected: the campaign succeeded"
    )


def test_an_all_or_nothing_campaign_that_fails_leaves_every_backer_exactly_as_before(make_member):
    owner = make_member(username="tierslieu")
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    give_ach(alice, "80")
    give_ach(bruno, "25.25")
    before = {backer.pk: money_of(backer) for backer in (alice, bruno)}
    entries_before = {
        backer.pk: Entry.objects.filter(account=account_of(backer, "ACH")).count() for backer in (alice, bruno)
    }
    rows_before = ledger_rows()
    fees_before = fees_balance()
    campaign = live_campaign(owner, goal="100", tiers=[{"title": "Badge", "minimum": Money("5", "ACH"), "stock": 10}])

    pledge(campaign, alice, "60", tier=tier(campaign, "Badge"))
    pledge(campaign, bruno, "25.25")
    assert money_of(alice) == (8000, 6000, 2000)
    assert money_of(bruno) == (2525, 2525, 0)

    report = campaigns_close_due(now=past_deadline(campaign))

    assert (report.decided, report.pledges_settled, report.paid_out) == (1, 2, 0)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.raised_total, campaign.fee_amount, campaign.payout_amount) == (
        Campaign.Status.FAILED,
        8525,
        0,
        0,
    )
    assert campaign.payout_transaction is None
    for backer in (alice, bruno):
        assert money_of(backer) == before[backer.pk]
        assert Entry.objects.filter(account=account_of(backer, "ACH")).count() == entries_before[backer.pk]
    assert statuses(campaign) == [Pledge.Status.VOIDED] * 2
    assert list(Hold.objects.order_by("id").values_list("status", flat=True)) == [Hold.Status.VOIDED] * 2
    # Not one posting: the holds were released, nothing ever moved.
    assert ledger_rows()[:2] == rows_before[:2]
    assert money_of(owner) == (0, 0, 0)
    assert balance_of(escrow_of(campaign)) == (0, 0)
    assert fees_balance() == fees_before
    # A second run finds nothing left to do.
    again = campaigns_close_due(now=past_deadline(campaign))
    assert (again.campaigns, again.decided, again.pledges_settled, again.paid_out) == (0, 0, 0, 0)


def test_a_keep_it_all_campaign_under_its_goal_is_collected_and_paid_out_anyway(make_member):
    owner = make_member(username="cafe")
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    give_ach(alice, "50")
    give_ach(bruno, "100")
    campaign = live_campaign(owner, goal="500", funding_model=Campaign.Model.KEEP_IT_ALL)

    pledge(campaign, alice, "40")
    pledge(campaign, bruno, "60")
    campaigns_close_due(now=past_deadline(campaign))

    campaign.refresh_from_db()
    assert (campaign.status, campaign.raised_total, campaign.fee_amount, campaign.payout_amount) == (
        Campaign.Status.PAID_OUT,
        10000,
        300,
        9700,
    )
    assert money_of(alice) == (1000, 0, 1000)
    assert money_of(bruno) == (4000, 0, 4000)
    assert money_of(owner) == (9700, 0, 9700)
    assert balance_of(escrow_of(campaign)) == (0, 0)
    assert statuses(campaign) == [Pledge.Status.CAPTURED] * 2


def test_matchfunding_one_for_one_stops_at_the_cap_per_backer_and_at_the_total_cap(make_member, staff_user):
    """“1 € for 1 € up to 200 € per backer and 5,000 € in total”, scaled down: 20 per backer, 50 in all."""
    owner = make_member(username="atelier")
    sponsor = make_member(username="cc-achards", kind=Member.Kind.ASSOCIATION)
    give_ach(sponsor, "100")
    backers = [make_member(username=name) for name in ("alice", "bruno", "chloe", "denis")]
    for backer in backers:
        give_ach(backer, "100")
    campaign = live_campaign(owner, goal="120")
    pool = pool_create(
        campaign=campaign,
        sponsor=sponsor,
        ratio="1",
        per_backer_cap=Money("20", "ACH"),
        total_cap=Money("50", "ACH"),
        actor=staff_user,
    )

    alice, bruno, chloe, denis = (
        pledge(campaign, b, amount) for b, amount in zip(backers, ["15", "30", "25", "10"], strict=True)
    )

    # 15 matched in full; 30 stops at the 20 per backer; 25 gets the 15 left; 10 finds the pool spent.
    assert [p.match_amount for p in (alice, bruno, chloe, denis)] == [1500, 2000, 1500, 0]
    assert [p.match_hold_id is not None for p in (alice, bruno, chloe, denis)] == [True, True, True, False]
    pool.refresh_from_db()
    assert (pool.matched_total, pool.total_cap) == (5000, 5000)
    assert money_of(sponsor) == (10000, 5000, 5000)

    campaigns_close_due(now=past_deadline(campaign))

    campaign.refresh_from_db()
    # 80 pledged and 50 matched reach the 120 goal; 3 % of 130 is 3,90.
    assert (campaign.status, campaign.raised_total, campaign.fee_amount, campaign.payout_amount) == (
        Campaign.Status.PAID_OUT,
        13000,
        390,
        12610,
    )
    assert money_of(sponsor) == (5000, 0, 5000)
    assert [money_of(b) for b in backers] == [(8500, 0, 8500), (7000, 0, 7000), (7500, 0, 7500), (9000, 0, 9000)]
    assert money_of(owner) == (12610, 0, 12610)
    assert balance_of(escrow_of(campaign)) == (0, 0)
    assert set(Hold.objects.values_list("status", flat=True)) == {Hold.Status.CAPTURED}


def match_state(pool: MatchingPool, sponsor: Member) -> tuple[int, int, int, int]:
    """(pool.matched_total, Σ match_amount of running pledges, Σ pending match holds, sponsor's held)."""
    pool.refresh_from_db()
    running = Pledge.objects.filter(pool=pool, status=Pledge.Status.ACTIVE)
    matched = sum(running.values_list("match_amount", flat=True))
    pending = sum(
        Hold.objects.filter(pk__in=running.values("match_hold_id"), status=Hold.Status.PENDING).values_list(
            "amount", flat=True
        )
    )
    return pool.matched_total, matched, pending, money_of(sponsor)[1]


def test_a_pledge_raised_lowered_and_withdrawn_moves_its_match_and_the_pool_total_exactly(make_member, staff_user):
    owner = make_member(username="ressourcerie")
    sponsor = make_member(username="boulangerie", kind=Member.Kind.BUSINESS)
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    for member in (sponsor, alice, bruno):
        give_ach(member, "100")
    campaign = live_campaign(owner, goal="100")
    pool = pool_create(
        campaign=campaign,
        sponsor=sponsor,
        ratio="1",
        per_backer_cap=Money("20", "ACH"),
        total_cap=Money("30", "ACH"),
        actor=sponsor.user,
    )

    first = pledge(campaign, alice, "10")
    second = pledge(campaign, bruno, "15")
    assert (first.match_amount, second.match_amount) == (1000, 1500)
    assert match_state(pool, sponsor) == (2500, 2500, 2500, 2500)

    # Raised to 25: 20 per backer, but only 15 left under the 30 cap once her own 10 is released.
    first = pledge_change(pledge=first, amount=Money("25", "ACH"), actor=alice.user)
    assert (first.amount, first.version, first.match_amount) == (2500, 2, 1500)
    assert money_of(alice) == (10000, 2500, 7500)
    assert match_state(pool, sponsor) == (3000, 3000, 3000, 3000)

    # Lowered to 8: matched 8.
    first = pledge_change(pledge=first, amount=Money("8", "ACH"), actor=alice.user)
    assert (first.amount, first.version, first.match_amount) == (800, 3, 800)
    assert money_of(alice) == (10000, 800, 9200)
    assert match_state(pool, sponsor) == (2300, 2300, 2300, 2300)

    # Bruno withdraws: his pledge and its match are released.
    second = pledge_withdraw(pledge=second, actor=bruno.user)
    assert (second.status, second.match_amount, second.match_hold_id) == (Pledge.Status.WITHDRAWN, 0, None)
    assert money_of(bruno) == (10000, 0, 10000)
    assert match_state(pool, sponsor) == (800, 800, 800, 800)

    # Raised again to 30: the cap per backer (20) bites now, not the total.
    first = pledge_change(pledge=first, amount=Money("30", "ACH"), actor=alice.user)
    assert (first.amount, first.version, first.match_amount) == (3000, 4, 2000)
    assert match_state(pool, sponsor) == (2000, 2000, 2000, 2000)
    # Every replaced hold was voided: one pending pledge hold and one pending match hold remain.
    assert Hold.objects.filter(status=Hold.Status.PENDING).count() == 2
    assert Hold.objects.filter(status=Hold.Status.VOIDED).count() == 3 + 1 + 3 + 1
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 0

    campaigns_close_due(now=past_deadline(campaign))
    campaign.refresh_from_db()
    # 30 + 20 = 50 of a 100 goal: it fails, and nobody lost anything.
    assert (campaign.status, campaign.raised_total) == (Campaign.Status.FAILED, 5000)
    assert [money_of(m) for m in (sponsor, alice, bruno)] == [(10000, 0, 10000)] * 3
    assert Hold.objects.filter(status=Hold.Status.PENDING).count() == 0


def test_a_live_campaign_cancelled_by_a_moderator_releases_every_pledge_and_match(make_member):
    owner = make_member(username="jardin")
    sponsor = make_member(username="mairie", kind=Member.Kind.ASSOCIATION)
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    for member in (sponsor, alice, bruno):
        give_ach(member, "100")
    campaign = live_campaign(owner, goal="50", tiers=[{"title": "Panier", "minimum": Money("10", "ACH"), "stock": 3}])
    pool_create(campaign=campaign, sponsor=sponsor, ratio="0.5", total_cap=Money("40", "ACH"), actor=moderator())
    pledge(campaign, alice, "30", tier=tier(campaign, "Panier"))
    pledge(campaign, bruno, "45")
    assert money_of(sponsor) == (10000, 1500 + 2250, 10000 - 3750)
    rows_before = ledger_rows()

    cancelled = campaign_cancel(campaign=campaign, actor=moderator(), reason="Le local n'est plus disponible.")

    assert (cancelled.status, cancelled.cancelled_reason) == (
        Campaign.Status.CANCELLED,
        "Le local n'est plus disponible.",
    )
    assert statuses(campaign) == [Pledge.Status.VOIDED] * 2
    assert [money_of(m) for m in (sponsor, alice, bruno)] == [(10000, 0, 10000)] * 3
    assert set(Hold.objects.values_list("status", flat=True)) == {Hold.Status.VOIDED}
    assert ledger_rows() == rows_before
    # Nothing is left for the closing task, even after the deadline.
    report = campaigns_close_due(now=past_deadline(campaign))
    assert (report.campaigns, report.decided, report.pledges_settled, report.paid_out) == (0, 0, 0, 0)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.payout_transaction) == (Campaign.Status.CANCELLED, None)
    assert ledger_rows() == rows_before


def test_a_time_bank_campaign_in_hours_pays_the_owner_every_hour_without_a_fee(make_member):
    owner = make_member(username="repaircafe", kind=Member.Kind.ASSOCIATION)
    backers = [make_member(username=name) for name in ("alice", "bruno", "chloe")]
    campaign = live_campaign(owner, unit="HRS", goal="10")
    assert campaign.fee_rate == Decimal("0")
    fees_before = fees_balance("HRS")

    # Time-bank accounts start at zero and may go down to −20 h.
    for backer, hours in zip(backers, ["4", "3.5", "2.5"], strict=True):
        pledge(campaign, backer, hours)
    assert [money_of(b, "HRS") for b in backers] == [(0, 400, 1600), (0, 350, 1650), (0, 250, 1750)]

    campaigns_close_due(now=past_deadline(campaign))

    campaign.refresh_from_db()
    assert (campaign.status, campaign.raised_total, campaign.fee_amount, campaign.payout_amount) == (
        Campaign.Status.PAID_OUT,
        1000,
        0,
        1000,
    )
    assert [money_of(b, "HRS") for b in backers] == [(-400, 0, 1600), (-350, 0, 1650), (-250, 0, 1750)]
    assert money_of(owner, "HRS") == (1000, 0, 3000)
    assert fees_balance("HRS") == fees_before
    assert balance_of(escrow_of(campaign)) == (0, 0)
    # No fee leg: the payout is escrow → owner alone.
    assert campaign.payout_transaction is not None
    assert campaign.payout_transaction.entries.count() == 2
