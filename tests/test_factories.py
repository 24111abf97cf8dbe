"""The test factories build through the services: exact balances, real postings, invariants that hold."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from djmoney.money import Money

from cooperative.models import Cooperative
from crowdfunding.models import Campaign, Pledge
from currency.kinds import CONVERSION
from currency.selectors.backing import check_backing
from exchange.models import Listing
from ledger.models import Account, Entry, Hold, Transaction
from ledger.verification import verify_ledger
from members.models import Member
from tests.factories import (
    PASSWORD,
    AccountFactory,
    CampaignFactory,
    CollegeFactory,
    CooperativeFactory,
    ListingFactory,
    MemberFactory,
    PledgeFactory,
    RewardTierFactory,
    ShareClassFactory,
    account_of,
    auditor_user,
)

pytestmark = pytest.mark.django_db


def test_a_factory_member_has_a_user_who_logs_in_and_an_account_in_every_unit():
    member = MemberFactory(username="aline")

    assert (member.kind, member.display_name, member.commune) == (Member.Kind.INDIVIDUAL, "Aline", None)
    assert authenticate(username="aline", password=PASSWORD) == member.user
    assert sorted(member.accounts.values_list("unit", flat=True)) == ["ACH", "GRN", "HRS"]
    assert set(member.accounts.values_list("balance", "held")) == {(0, 0)}


def test_factory_members_are_businesses_associations_or_live_in_a_commune():
    shop = MemberFactory(business=True)
    club = MemberFactory(association=True)
    neighbour = MemberFactory(commune="Martinet")

    assert (shop.kind, club.kind) == (Member.Kind.BUSINESS, Member.Kind.ASSOCIATION)
    assert neighbour.commune is not None and neighbour.commune.name == "Martinet"
    assert len({shop.user.username, club.user.username, neighbour.user.username}) == 3


@pytest.mark.parametrize("unit", ["ACH", "GRN", "HRS"])
def test_a_factory_account_holds_the_exact_balance_through_one_real_posting(unit):
    account = AccountFactory(unit=unit, balance="42.50")

    assert (account.kind, account.unit, account.balance, account.held) == (Account.Kind.MEMBER, unit, 4250, 0)
    assert account == account_of(account.holder, unit)
    [entry] = Entry.objects.filter(account=account)
    assert (entry.amount, entry.balance_after) == (4250, 4250)
    assert Transaction.objects.count() == 1
    report = verify_ledger()
    assert report.ok, report.discrepancies
    assert all(line.ok for line in check_backing())


def test_local_currency_from_a_factory_is_backed_by_euros_in_the_guarantee_fund():
    AccountFactory(unit="ACH", balance="100")
    AccountFactory(unit="ACH", balance="20.25")

    [line] = check_backing()
    assert (line.unit, line.circulation, line.guarantee_fund, line.ok) == ("ACH", 12025, 12025, True)
    assert Transaction.objects.filter(kind=CONVERSION).count() == 2


def test_an_account_with_no_balance_posts_nothing():
    account = AccountFactory(balance="0")

    assert account.balance == 0
    assert Transaction.objects.count() == 0


def test_a_factory_listing_is_published_by_its_author():
    listing = ListingFactory()

    assert (listing.kind, listing.status, listing.unit, listing.price) == (
        Listing.Kind.OFFER,
        Listing.Status.ACTIVE,
        "GRN",
        2000,
    )
    assert listing.author.user.username.startswith("member")


def test_a_factory_campaign_is_a_draft_or_live_with_its_tiers():
    draft = CampaignFactory()
    live = CampaignFactory(live=True, goal="300", tiers=[{"title": "Un bol", "minimum": Money("15", "ACH")}])

    assert (draft.status, draft.goal, draft.unit) == (Campaign.Status.DRAFT, 10000, "ACH")
    assert (live.status, live.goal) == (Campaign.Status.LIVE, 30000)
    assert list(live.tiers.values_list("title", "minimum")) == [("Un bol", 1500)]
    tier = RewardTierFactory(campaign=draft, title="Une affiche")
    assert (tier.campaign, tier.minimum) == (draft, 1000)


def test_a_factory_pledge_holds_the_amount_on_an_account_funded_for_it():
    pledge = PledgeFactory(amount="25")

    assert (pledge.status, pledge.amount, pledge.campaign.status) == (Pledge.Status.ACTIVE, 2500, Campaign.Status.LIVE)
    account = account_of(pledge.backer, "ACH")
    assert (account.balance, account.held, account.available) == (2500, 2500, 0)
    assert Hold.objects.get().status == Hold.Status.PENDING
    assert verify_ledger().ok


def test_a_factory_cooperative_has_its_share_classes_and_colleges():
    cooperative = CooperativeFactory()

    assert cooperative.legal_form == Cooperative.LegalForm.SCIC
    assert list(cooperative.share_classes.order_by("code").values_list("code", "nominal_value")) == [
        ("A", 10000),
        ("B", 2000),
    ]
    assert list(cooperative.colleges.order_by("id").values_list("name", "weight")) == [
        ("Salariés", 40),
        ("Usagers", 30),
        ("Collectivités", 30),
    ]
    share_class = ShareClassFactory(cooperative=cooperative, code="C", nominal_value="50")
    college = CollegeFactory(cooperative=cooperative, name="Soutiens", weight=10)
    assert (share_class.code, share_class.nominal_value) == ("C", 5000)
    assert list(cooperative.colleges.order_by("id").values_list("name", "weight")) == [
        ("Salariés", 30),
        ("Usagers", 30),
        ("Collectivités", 30),
        ("Soutiens", 10),
    ]
    assert college.name == "Soutiens"


def test_a_factory_auditor_may_audit_the_ledger_and_is_made_once():
    auditor = auditor_user("auditrice")

    assert auditor.has_perm("ledger.audit_ledger")
    assert (auditor.is_staff, auditor.is_superuser) == (False, False)
    assert auditor_user("auditrice").pk == auditor.pk
