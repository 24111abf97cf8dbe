"""The demo community: grown once, fully backed, and a second run adds nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Count, Model
from django.test import override_settings
from stdnum import iban
from stdnum.fr import siren, siret

from currency.models import Comptoir, Conversion
from currency.selectors.public import directory, transparency_figures
from ledger.models import Account, Entry, Hold, Transaction
from ledger.selectors import trial_balance
from members.models import Commune, Member
from membership.models import MembershipPayment
from places.models import Booking, BookingCredit, MemberQualification, OpeningException, Place, Resource

pytestmark = pytest.mark.django_db

MODELS: list[type[Model]] = [
    get_user_model(),
    Member,
    Account,
    Transaction,
    Entry,
    Hold,
    Conversion,
    Comptoir,
    MembershipPayment,
    Place,
    Resource,
    OpeningException,
    MemberQualification,
    Booking,
]


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (it takes a few seconds), in a transaction rolled back at the end."""
    from django.db import transaction

    # DEBUG on: the embedded demo, the only place its README passwords exist.
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], DEBUG=True)
    with django_db_blocker.unblock(), fast_hashing:
        atomic = transaction.atomic()
        # As django.test.TestCase marks its class-wide atomic: the services' durable blocks may nest in it.
        atomic._from_testcase = True  # type: ignore[attr-defined]
        atomic.__enter__()
        try:
            first = seed()
            after_first = counts()
            second = seed()
            yield {"first": first, "second": second, "after_first": after_first, "after_second": counts()}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_a_second_run_adds_nothing(seeded):
    assert seeded["after_second"] == seeded["after_first"]
    assert seeded["after_first"]["Member"] == 40
    assert seeded["after_first"]["User"] == 40 + 4  # admin, auditrice, comptoir1, comptoir2
    assert seeded["after_first"]["Comptoir"] == 2
    # ACH, HRS, GRN each + the system accounts + the three campaigns' escrow + the SCIC's capital
    # + each place's account in each unit it was paid in
    place_accounts = Account.objects.filter(system_code="place").count()
    assert place_accounts == len(set(Booking.objects.filter(price__gt=0).values_list("resource__place", "unit")))
    # + camille's carnet (places, issue 21): its credit account and the cowork's issuer of day credits
    assert Account.objects.filter(unit__in=["CRJ", "CRH"]).count() == 2
    assert seeded["after_first"]["Account"] == 40 * 3 + 5 + 3 + 1 + place_accounts + 2
    # The demo exchange's (captured), one pending, the campaigns' pledges (8 matched, 3 + 3 not),
    # one per booking that costs something, and one per part of a booking paid with credits
    # (camille's desks, taken from her carnet)
    credit_holds = BookingCredit.objects.count()
    assert credit_holds > 0
    assert seeded["after_first"]["Hold"] == (
        2 + 8 * 2 + 3 + 3 + Booking.objects.filter(price__gt=0).count() + credit_holds
    )
    assert seeded["after_first"]["Conversion"] > 50
    assert seeded["after_first"]["Transaction"] > 300


def test_every_member_lives_in_one_of_the_nine_communes(seeded):
    per_commune = dict(Commune.objects.annotate(n=Count("members")).values_list("name", "n"))
    assert len(per_commune) == 9
    assert all(count >= 2 for count in per_commune.values())
    assert Member.objects.filter(commune__isnull=True).count() == 0


def test_the_directory_lists_the_businesses_and_associations(seeded):
    listed = {member.display_name for member in directory()}
    assert len(listed) == 14
    assert {"Boulangerie du Martinet", "Le Cowork des Achards", "Les Jardins du Girouard"} <= listed
    assert Member.objects.filter(kind=Member.Kind.BUSINESS).count() == 12
    assert not Member.objects.filter(kind=Member.Kind.INDIVIDUAL, in_directory=True).exists()


def test_identity_numbers_pass_their_check_digits(seeded):
    businesses = Member.objects.filter(kind=Member.Kind.BUSINESS)
    for member in businesses:
        assert siren.is_valid(member.siren), member
        assert siret.is_valid(member.siret) and member.siret.startswith(member.siren), member
    for member in Member.objects.all():
        assert iban.is_valid(member.iban) and member.iban.startswith("FR76"), member


def test_the_currency_is_fully_backed_and_every_unit_balances(seeded):
    [ach] = transparency_figures().units
    assert ach.circulation == ach.guarantee_fund > 0
    assert sum(Conversion.objects.values_list("amount", flat=True)) == ach.circulation + sum(
        Entry.objects.filter(transaction__kind="reconversion", unit="ACH", amount__gt=0).values_list(
            "amount", flat=True
        )
    )
    assert all(line.difference == 0 for line in trial_balance())
    for account in Account.objects.all():
        entries = Entry.objects.filter(account=account).order_by("-id")
        assert account.balance == sum(entries.values_list("amount", flat=True))


def test_the_history_spreads_over_several_months(seeded):
    months = [month for month in transparency_figures().monthly if month.payments and month.hours]
    assert len(months) >= 6


def test_the_demo_logins_work_and_the_comptoirs_have_their_staff(seeded):
    for username, password in [
        ("camille", "bocage-demo"),
        ("louis", "bocage-demo"),
        ("boulangerie", "bocage-demo"),
        ("laruche", "bocage-demo"),
        ("auditrice", "bocage-demo"),
        ("comptoir1", "bocage-demo"),
        ("comptoir2", "bocage-demo"),
        ("admin", "bocage-admin"),
    ]:
        assert authenticate(username=username, password=password) is not None, username
    assert sorted(Comptoir.objects.values_list("staff__username", "commune__name")) == [
        ("comptoir1", "Les Achards"),
        ("comptoir2", "Beaulieu-sous-la-Roche"),
    ]
    for login in ["camille", "comptoir1", "auditrice", "admin / bocage-admin"]:
        assert login in seeded["first"]


def test_the_demo_has_a_reconversion_paid_by_sepa_and_one_waiting_for_approval(seeded):
    from currency.models import Reconversion, SepaExport

    statuses = dict(Reconversion.objects.values_list("member__user__username", "status"))
    assert statuses == {"jardins": "exported", "boulangerie": "requested"}
    paid = Reconversion.objects.get(member__user__username="jardins")
    assert (paid.amount, paid.fee) == (4000, 200)
    assert SepaExport.objects.get().total == 3800


def test_the_demo_marketplace_has_offers_wants_and_a_completed_reviewed_exchange(seeded):
    from exchange.models import Exchange, Listing, Review

    assert Listing.objects.filter(status=Listing.Status.ACTIVE).count() == 8
    assert set(Listing.objects.values_list("kind", flat=True)) == {"offer", "want"}
    trade = Exchange.objects.get()
    assert (trade.status, trade.amount, trade.unit) == (Exchange.Status.COMPLETED, 1500, "GRN")
    assert trade.hold.status == Hold.Status.CAPTURED
    assert Review.objects.get().rating == 5


def test_the_demo_campaigns_are_live_paid_out_and_waiting_for_review(seeded):
    from crowdfunding.models import Campaign, Pledge

    statuses = dict(Campaign.objects.values_list("title", "status"))
    assert statuses == {
        "Un fablab partagé à La Ruche": "live",
        "Chantier participatif au lavoir": "live",
        "Le four à pain du Girouard": "paid_out",
        "Une serre partagée aux Jardins": "submitted",
    }
    four = Campaign.objects.get(status="paid_out")
    assert (four.raised_total, four.fee_amount, four.payout_amount) == (12500, 375, 12125)
    assert four.deadline < four.created_at
    fablab = Campaign.objects.get(title="Un fablab partagé à La Ruche")
    assert Pledge.objects.filter(campaign=fablab, status="active").count() == 8
    assert sum(fablab.pledges.values_list("match_amount", flat=True)) == 8 * 2000 - 500  # louis: 15 matched


def test_the_demo_cooperative_has_a_register_that_matches_its_capital_account(seeded):
    from cooperative.models import Cooperative, ShareMovement, SubscriptionRequest
    from cooperative.selectors import capital_at, holdings_at
    from ledger.models import Account

    coop = Cooperative.objects.get()
    numbers = list(ShareMovement.objects.filter(cooperative=coop).values_list("number", flat=True))
    assert numbers == list(range(1, 13))  # 10 subscriptions, a cession, a redemption
    # Founders 23 × 100 €, users 22 × 20 €, the community of communes 20 × 100 €, louis repaid 2 × 20 €
    assert capital_at(coop) == (23 * 100 + 22 * 20 + 20 * 100 - 2 * 20) * 100
    assert Account.objects.get(pk=coop.capital_account_id).balance == capital_at(coop)
    shares = {h.shareholder.display_name: h.shares for h in holdings_at(coop)}
    assert shares["Communauté de communes du Pays des Achards"] == 20
    assert "Louis Gaborit" not in shares
    assert SubscriptionRequest.objects.filter(status="requested").count() == 2


# --- the network of tiers-lieux (demo/places.py) ----------------------------------------------


def test_the_demo_network_has_five_places_with_their_resources(seeded):
    places = {place.name: place for place in Place.objects.select_related("commune")}
    assert len(places) == 5
    assert {kind for place in places.values() for kind in place.kinds} >= {
        "coworking",
        "fablab",
        "cafe_associatif",
        "atelier_partage",
        "espace_public_numerique",
    }
    assert len({place.commune.name for place in places.values()}) == 4
    for place in places.values():
        assert 46.5 < float(place.latitude) < 46.75 and -1.75 < float(place.longitude) < -1.5, place
        assert place.manager_roles.exists() and place.opening_rules.exists(), place
        assert not place.opening_rules.filter(weekday=6).exists(), place  # closed on Sundays
        assert place.opening_exceptions.filter(kind="closure", reason__startswith="Fermé").exists(), place
    cowork = places["Le Cowork des Achards"]
    desks = cowork.resources.get(kind="desk")
    assert (desks.capacity, desks.parent.name) == (8, "L'open space entier")
    assert cowork.resources.filter(kind="office").count() == 2
    assert cowork.resources.get(kind="meeting_room").capacity == 8
    laser = Resource.objects.get(name="Découpeuse laser")
    assert laser.qualification.name == "Découpe laser"
    assert MemberQualification.objects.filter(qualification=laser.qualification, revoked_at=None).count() == 4
    room = Resource.objects.get(name="Salle des associations")
    assert list(room.prices.values_list("unit", "amount")) == [("HRS", 100)]
    assert Resource.objects.count() == 16


def test_the_demo_has_three_months_of_bookings_settled_through_the_ledger_and_some_to_come(seeded):
    from django.utils import timezone

    now = timezone.now()
    past = Booking.objects.filter(end__lte=now)
    assert 120 <= past.count() <= 400
    assert (now - past.order_by("start").first().start).days in range(80, 92)
    statuses = set(past.values_list("status", flat=True))
    assert {"completed", "cancelled", "no_show"} <= statuses
    assert not past.filter(status__in=["confirmed", "checked_in"], end__lte=now - timezone.timedelta(hours=2))
    upcoming = Booking.objects.filter(start__gt=now)
    assert upcoming.count() >= 10
    assert set(upcoming.values_list("status", flat=True)) <= {"confirmed", "cancelled"}
    for booking in Booking.objects.filter(price__gt=0).select_related("hold"):
        hold = booking.hold
        assert (hold.amount, hold.unit) == (booking.price, booking.unit), booking
        if booking.status == "completed":
            assert (hold.status, hold.captured_amount) == ("captured", booking.price), booking
        elif booking.status == "confirmed":
            assert hold.status == "pending", booking
        elif booking.status == "no_show" or (booking.status == "cancelled" and booking.fee):
            assert (hold.status, hold.captured_amount) == ("captured", booking.fee), booking
        elif booking.status == "cancelled":
            assert hold.status == "voided", booking
    # Busier mid-week: Tuesday to Thursday against Monday, Friday and Saturday.
    weekdays = [timezone.localtime(start).weekday() for start in past.values_list("start", flat=True)]
    assert sum(day in (1, 2, 3) for day in weekdays) > sum(day in (0, 4, 5) for day in weekdays)


def test_the_demo_occupancy_is_plausible_and_the_ledger_verifies(seeded):
    from places.selectors.occupancy import month_of, occupancy_for_month, previous_month

    last_month = occupancy_for_month(previous_month(month_of()))
    assert len(last_month.places) == 5
    assert Decimal("1") < last_month.total.rate < Decimal("40")
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "OK" in out.getvalue()


def test_the_demo_association_pays_the_cowork_monthly_by_standing_order_its_past_months_paid(seeded):
    from ledger.models import StandingOrder

    order = StandingOrder.objects.get(idempotency_key="demo:standing-order:laruche-cowork")
    periods = list(order.executions.values_list("status", flat=True))
    assert (order.status, order.amount, order.unit, order.day) == ("active", 4000, "ACH", 1)
    assert order.from_account.holder.user.username == "laruche"
    assert len(periods) >= 3 and set(periods) == {"paid"}
    assert order.next_due is not None and order.next_due.day == 1
