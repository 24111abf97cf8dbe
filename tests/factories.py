"""factory_boy factories for the tests: members, funded accounts, listings, campaigns, cooperatives.

Each factory builds through the services a user's action would reach (member_join, the ledger's
transaction_post, listing_create, campaign_create/submit/approve, cooperative_create…), never by
writing rows directly, so whatever a test makes holds the same invariants as real data: a
member has its accounts, a balance is the sum of real entries, ACH in circulation is backed by
euros in the guarantee fund.
"""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from djmoney.money import Money

from cooperative.models import College, Cooperative, ShareClass
from cooperative.services.setup import colleges_define, cooperative_create, share_class_create
from crowdfunding.models import Campaign, Pledge, RewardTier
from crowdfunding.services.campaigns import campaign_approve, campaign_create, campaign_submit
from crowdfunding.services.pledges import pledge_create
from crowdfunding.services.tiers import tier_create
from currency.kinds import CONVERSION
from exchange.models import Category, Listing
from exchange.services.listings import listing_create
from ledger.models import Account, Transaction
from ledger.services import system_account, transaction_post
from members.models import Commune, Member
from membership.services import member_join

PASSWORD = "bocage-test-password-1"

# A valid SIREN (check digit) for the tiers-lieux cooperative of the demo.
SIREN = "732829320"


def account_of(member: Member, unit: str) -> Account:
    """The member's own account in `unit` (member_join opened it)."""
    return Account.objects.get(kind=Account.Kind.MEMBER, holder=member, unit=unit)


def fund(
    account: Account, amount: str, *, memo: str = "test conversion", at: datetime.datetime | None = None
) -> Transaction:
    """Put `amount` on a member account by one real posting, as the flow that issues the unit does.

    ACH is a conversion (euros from the world into the guarantee fund, ACH from issuance to the
    member: invariant 7, ACH only against euros); the other units (hours, green points) come
    from their issuance account. `at` dates it in the past, as transaction_post allows.
    """
    unit = account.unit
    if unit == "ACH":
        return transaction_post(
            legs=[
                (system_account(Account.SystemCode.WORLD, "EUR"), -Money(amount, "EUR")),
                (system_account(Account.SystemCode.GUARANTEE_FUND, "EUR"), Money(amount, "EUR")),
                (system_account(Account.SystemCode.ISSUANCE, "ACH"), -Money(amount, "ACH")),
                (account, Money(amount, "ACH")),
            ],
            kind=CONVERSION,
            memo=memo,
            actor=None,
            at=at,
        )
    return transaction_post(
        legs=[
            (system_account(Account.SystemCode.ISSUANCE, unit), -Money(amount, unit)),
            (account, Money(amount, unit)),
        ],
        memo=memo,
        actor=None,
    )


def staff(username: str, email: str = "") -> User:
    """A staff user (moderator, register administrator), made once per test."""
    user = User.objects.filter(username=username).first()
    return user or User.objects.create_user(username=username, password=PASSWORD, is_staff=True, email=email)


def auditor_user(username: str = "auditrice") -> User:
    """A user with the ledger's audit permission (reads everything, writes nothing), made once per test."""
    user = User.objects.filter(username=username).first() or User.objects.create_user(username, password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="ledger", codename="audit_ledger"))
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


def moderator() -> User:
    return staff("moderatrice", "moderation@bocage.test")


def administrator() -> User:
    return staff("secretaire", "ca@bocage.test")


def category_for_tests() -> Category:
    """A marketplace category of the tests' own, whatever categories the migrations load."""
    category, _created = Category.objects.get_or_create(
        slug="test-cat", defaults={"name_fr": "Catégorie de test", "name_en": "Test category"}
    )
    return category


class MemberFactory(factory.Factory):
    """A member through member_join: its user, its first year of membership, its accounts.

    `MemberFactory(business=True)`, `MemberFactory(association=True)`, `MemberFactory(commune="Martinet")`
    (a commune name, or a Commune).
    """

    class Meta:
        model = Member

    class Params:
        business = factory.Trait(kind=Member.Kind.BUSINESS)
        association = factory.Trait(kind=Member.Kind.ASSOCIATION)

    username = factory.Sequence(lambda n: f"member{n + 1}")
    password = PASSWORD
    display_name = factory.LazyAttribute(lambda member: member.username.capitalize())
    kind = Member.Kind.INDIVIDUAL

    @classmethod
    def _create(cls, model_class: type[Member], *args: Any, **fields: Any) -> Member:
        commune = fields.get("commune")
        if isinstance(commune, str):
            fields["commune"] = Commune.objects.get(name=commune)
        return member_join(actor=fields.pop("actor", None), **fields)


class AccountFactory(factory.Factory):
    """A member's account in `unit` holding exactly `balance`, put there by one real posting (see `fund`)."""

    class Meta:
        model = Account

    holder = factory.SubFactory(MemberFactory)
    unit = "ACH"
    balance = "0"
    memo = "test conversion"

    @classmethod
    def _create(cls, model_class: type[Account], *args: Any, **fields: Any) -> Account:
        account = account_of(fields["holder"], fields["unit"])
        if Money(fields["balance"], fields["unit"]).amount:
            fund(account, fields["balance"], memo=fields["memo"])
            account.refresh_from_db()
        return account


class ListingFactory(factory.Factory):
    """A listing its author publishes through listing_create (an offer of bread for 20 GRN by default)."""

    class Meta:
        model = Listing

    author = factory.SubFactory(MemberFactory)
    kind = Listing.Kind.OFFER
    title = "Pain au levain"
    description = "Deux miches par semaine."
    category = factory.LazyFunction(category_for_tests)
    price = factory.LazyFunction(lambda: Money("20", "GRN"))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    commune = None
    availability = ""

    @classmethod
    def _create(cls, model_class: type[Listing], *args: Any, **fields: Any) -> Listing:
        author = fields.pop("author")
        return listing_create(actor=author.user, **fields)


class CampaignFactory(factory.Factory):
    """A draft campaign its owner writes through campaign_create; with `live=True` the owner also adds
    its `tiers` (tier_create arguments) and submits it, and a moderator approves it: open for pledges."""

    class Meta:
        model = Campaign

    class Params:
        days = 30
        starts_in = datetime.timedelta(0)

    owner = factory.SubFactory(MemberFactory)
    title = "Un fablab aux Achards"
    summary = "Des machines partagées pour tout le Pays des Achards."
    story = "Nous ouvrons un atelier partagé.\n\nImprimante 3D, découpeuse laser, établi."
    unit = "ACH"
    goal = "100"
    funding_model = Campaign.Model.ALL_OR_NOTHING
    starts_at = factory.LazyAttribute(lambda c: timezone.now() + c.starts_in - datetime.timedelta(minutes=1))
    deadline = factory.LazyAttribute(lambda c: c.starts_at + datetime.timedelta(days=c.days))
    live = False
    tiers = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class: type[Campaign], *args: Any, **fields: Any) -> Campaign:
        owner: Member = fields["owner"]
        live, tiers = fields.pop("live"), fields.pop("tiers")
        fields["goal"] = Money(fields["goal"], fields["unit"])
        campaign = campaign_create(actor=owner.user, **fields)
        if not live:
            return campaign
        for tier in tiers:
            tier_create(campaign=campaign, actor=owner.user, **tier)
        campaign_submit(campaign=campaign, actor=owner.user)
        return campaign_approve(campaign=campaign, actor=moderator())


class RewardTierFactory(factory.Factory):
    """A reward its owner adds to a draft campaign through tier_create."""

    class Meta:
        model = RewardTier

    campaign = factory.SubFactory(CampaignFactory)
    title = "Un porte-clés"
    minimum = factory.LazyAttribute(lambda tier: Money("10", tier.campaign.unit))
    description = ""
    stock = None

    @classmethod
    def _create(cls, model_class: type[RewardTier], *args: Any, **fields: Any) -> RewardTier:
        return tier_create(actor=fields["campaign"].owner.user, **fields)


class PledgeFactory(factory.Factory):
    """A backer's pledge through pledge_create, on a live campaign, from an account funded just enough."""

    class Meta:
        model = Pledge

    campaign = factory.SubFactory(CampaignFactory, live=True)
    backer = factory.SubFactory(MemberFactory)
    amount = "10"
    tier = None
    anonymous = True  # private by default, as pledge_create

    @classmethod
    def _create(cls, model_class: type[Pledge], *args: Any, **fields: Any) -> Pledge:
        campaign, backer = fields["campaign"], fields["backer"]
        account = account_of(backer, campaign.unit)
        account.refresh_from_db()
        missing = Money(fields["amount"], campaign.unit).amount * 100 - account.available
        if missing > 0:
            fund(account, str(missing / 100))
        fields["amount"] = Money(fields["amount"], campaign.unit)
        return pledge_create(actor=backer.user, **fields)


class CooperativeFactory(factory.Factory):
    """A cooperative founded by its administrator through the setup services: by default the SCIC
    Les Tiers-Lieux des Achards, share classes A (100 €) and B (20 €), three colleges 40/30/30."""

    class Meta:
        model = Cooperative

    name = "SCIC Les Tiers-Lieux des Achards"
    legal_form = Cooperative.LegalForm.SCIC
    siren = SIREN
    seat_address = "2 rue Michel-Breton, 85150 Les Achards"
    share_classes = factory.LazyFunction(lambda: [("A", "Fondateurs", "100"), ("B", "Usagers", "20")])
    colleges = factory.LazyFunction(
        lambda: [
            {"name": "Salariés", "weight": 40},
            {"name": "Usagers", "weight": 30},
            {"name": "Collectivités", "weight": 30},
        ]
    )

    @classmethod
    def _create(cls, model_class: type[Cooperative], *args: Any, **fields: Any) -> Cooperative:
        admin = administrator()
        share_classes, colleges = fields.pop("share_classes"), fields.pop("colleges")
        cooperative = cooperative_create(actor=admin, **fields)
        for code, name, nominal in share_classes:
            share_class_create(
                cooperative=cooperative, code=code, name=name, nominal_value=Money(nominal, "EUR"), actor=admin
            )
        if colleges:
            colleges_define(cooperative=cooperative, colleges=colleges, actor=admin)
        return cooperative


class ShareClassFactory(factory.Factory):
    """A share class its administrator adds to a cooperative through share_class_create."""

    class Meta:
        model = ShareClass

    cooperative = factory.SubFactory(CooperativeFactory, share_classes=[], colleges=[])
    code = factory.Sequence(lambda n: f"C{n}")
    name = "Soutiens"
    nominal_value = "50"

    @classmethod
    def _create(cls, model_class: type[ShareClass], *args: Any, **fields: Any) -> ShareClass:
        fields["nominal_value"] = Money(fields["nominal_value"], "EUR")
        return share_class_create(actor=administrator(), **fields)


class CollegeFactory(factory.Factory):
    """A college added through colleges_define, keeping the others and reweighing so the sum is 100 %:
    the new college takes `weight` from the first college."""

    class Meta:
        model = College

    cooperative = factory.SubFactory(CooperativeFactory, share_classes=[], colleges=[])
    name = factory.Sequence(lambda n: f"Collège {n}")
    weight = 100

    @classmethod
    def _create(cls, model_class: type[College], *args: Any, **fields: Any) -> College:
        cooperative, name, weight = fields["cooperative"], fields["name"], fields["weight"]
        existing = [{"name": c.name, "weight": c.weight} for c in cooperative.colleges.order_by("id")]
        if existing:
            existing[0]["weight"] -= weight
        colleges_define(
            cooperative=cooperative, colleges=[*existing, {"name": name, "weight": weight}], actor=administrator()
        )
        return cooperative.colleges.get(name=name)
