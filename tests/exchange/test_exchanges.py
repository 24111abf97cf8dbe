"""The exchange services: money at each step, refusals that write nothing, auto-capture, messages, reviews."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from djmoney.money import Money

from core.errors import InvalidInput, NotFound, PermissionDenied
from exchange.errors import AlreadyReviewed, ListingNotAvailable, NotReviewable
from exchange.models import Exchange, ExchangeEvent, ExchangeMessage, Listing, Review
from exchange.selectors.exchanges import exchange_get_visible, exchanges_of, member_rating
from exchange.services import exchanges as services
from exchange.services import reviews
from ledger.errors import InsufficientFunds, InvalidAmount, UnitMismatch
from ledger.kinds import HOLD_CAPTURE
from ledger.models import Hold, Transaction
from tests.currency.funding import give_ach
from tests.exchange.test_exchange_support import hold_of, listing_of, money_of, propose, snapshot

S = Exchange.Status


@pytest.fixture
def pair(make_member):
    seller = make_member(username="boulanger", email="boulanger@example.org")
    buyer = make_member(username="voisine", email="voisine@example.org")
    return seller, buyer


@pytest.mark.django_db
def test_balances_held_and_available_at_each_step_of_a_grn_exchange(pair):
    seller, buyer = pair
    exchange = propose(listing_of(seller, unit="GRN", price=2500), buyer)
    assert (exchange.amount, exchange.unit, exchange.status) == (2500, "GRN", S.REQUESTED)
    assert money_of(buyer, "GRN") == (0, 0, 50000)
    exchange = services.exchange_accept(exchange=exchange, actor=seller.user)
    assert money_of(buyer, "GRN") == (0, 2500, 47500)
    assert money_of(seller, "GRN") == (0, 0, 50000)
    assert hold_of(exchange).idempotency_key == f"exchange:{exchange.pk}:accept"
    exchange = services.exchange_deliver(exchange=exchange, actor=seller.user)
    assert exchange.delivered_at is not None
    assert exchange.auto_capture_at == exchange.delivered_at + datetime.timedelta(days=14)
    assert money_of(buyer, "GRN") == (0, 2500, 47500)
    exchange = services.exchange_confirm(exchange=exchange, actor=buyer.user)
    assert exchange.status == S.COMPLETED
    assert money_of(buyer, "GRN") == (-2500, 0, 47500)
    assert money_of(seller, "GRN") == (2500, 0, 52500)
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1
    assert [(e.from_status, e.to_status) for e in ExchangeEvent.objects.filter(exchange=exchange)] == [
        ("", "requested"),
        ("requested", "accepted"),
        ("accepted", "delivered"),
        ("delivered", "completed"),
    ]
    again = services.exchange_confirm(exchange=exchange, actor=buyer.user)
    assert again.status == S.COMPLETED
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1
    assert ExchangeEvent.objects.filter(exchange=exchange).count() == 4


@pytest.mark.django_db
def test_cancelling_an_accepted_exchange_voids_the_hold_and_posts_nothing(pair):
    seller, buyer = pair
    exchange = services.exchange_accept(exchange=propose(listing_of(seller), buyer), actor=seller.user)
    exchange = services.exchange_cancel(exchange=exchange, actor=seller.user)
    assert (exchange.status, hold_of(exchange).status) == (S.CANCELLED, Hold.Status.VOIDED)
    assert money_of(buyer, "GRN") == (0, 0, 50000)
    assert Transaction.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("unit", "price"), [("GRN", 50001), ("HRS", 2001), ("ACH", 1001)])
def test_a_buyer_without_enough_available_cannot_reach_accepted(pair, unit, price):
    seller, buyer = pair
    if unit == "ACH":
        give_ach(buyer, "10.00")
    exchange = propose(listing_of(seller, unit=unit, price=price), buyer)
    before = snapshot()
    with pytest.raises(InsufficientFunds) as refused:
        services.exchange_accept(exchange=exchange, actor=seller.user)
    assert (refused.value.status, refused.value.code) == (422, "insufficient_funds")
    exchange.refresh_from_db()
    assert (exchange.status, exchange.hold_id, exchange.accepted_at) == (S.REQUESTED, None, None)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_buyer_with_exactly_enough_ach_is_accepted(pair):
    seller, buyer = pair
    give_ach(buyer, "10.00")
    exchange = propose(listing_of(seller, unit="ACH", price=1000), buyer)
    exchange = services.exchange_accept(exchange=exchange, actor=seller.user)
    assert money_of(buyer, "ACH") == (1000, 1000, 0)


@pytest.mark.django_db
def test_a_price_to_be_agreed_needs_an_amount_in_a_member_unit(pair):
    seller, buyer = pair
    listing = listing_of(seller, price=None)
    with pytest.raises(InvalidInput) as refused:
        propose(listing, buyer)
    assert refused.value.fields == {"amount": ["Proposez un montant."]}
    with pytest.raises(UnitMismatch):
        propose(listing, buyer, "5", unit="EUR")
    exchange = propose(listing, buyer, "1.5", unit="HRS")
    assert (exchange.unit, exchange.amount) == ("HRS", 150)
    assert Exchange.objects.count() == 1


@pytest.mark.django_db
def test_a_proposal_is_refused_on_bad_amounts_own_listings_and_inactive_listings(pair, make_member):
    seller, buyer = pair
    listing = listing_of(seller, unit="GRN", price=1000)
    with pytest.raises(UnitMismatch):
        propose(listing, buyer, "5", unit="HRS")
    with pytest.raises(InvalidAmount):
        propose(listing, buyer, "0")
    with pytest.raises(InvalidAmount):
        propose(listing, buyer, "1.001")
    with pytest.raises(InvalidInput):
        propose(listing, seller)
    with pytest.raises(PermissionDenied):
        services.exchange_propose(listing=listing, proposer=buyer, amount=None, message="", actor=seller.user)
    listing.status = Listing.Status.PAUSED
    listing.save()
    with pytest.raises(ListingNotAvailable):
        propose(listing, buyer)
    assert Exchange.objects.count() == 0
    assert ExchangeEvent.objects.count() == 0


@pytest.mark.django_db
def test_roles_on_an_offer_and_a_proposed_amount(pair):
    seller, buyer = pair
    exchange = propose(listing_of(seller, price=1000), buyer, "12.50")
    assert (exchange.buyer, exchange.seller, exchange.requested_by, exchange.amount) == (buyer, seller, buyer, 1250)


def _delivered(seller, buyer, price=2000):
    exchange = services.exchange_accept(exchange=propose(listing_of(seller, price=price), buyer), actor=seller.user)
    return services.exchange_deliver(exchange=exchange, actor=seller.user)


@pytest.mark.django_db
def test_auto_capture_pays_due_deliveries_once_and_leaves_the_others(pair, make_member):
    seller, buyer = pair
    due = _delivered(seller, buyer)
    not_yet = _delivered(seller, buyer)
    disputed = services.exchange_dispute(exchange=_delivered(seller, buyer), reason="Cassé", actor=buyer.user)
    Exchange.objects.filter(pk__in=[due.pk, disputed.pk]).update(
        auto_capture_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert services.exchanges_auto_capture_due() == 1
    assert services.exchanges_auto_capture_due() == 0
    statuses = dict(Exchange.objects.values_list("pk", "status"))
    assert statuses == {due.pk: S.COMPLETED, not_yet.pk: S.DELIVERED, disputed.pk: S.DISPUTED}
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1
    assert money_of(seller, "GRN") == (2000, 0, 52000)
    event = ExchangeEvent.objects.filter(exchange=due).latest("id")
    assert (event.actor, event.to_status, event.note) == (None, S.COMPLETED, "auto_capture")
    # The buyer confirming afterwards changes nothing.
    assert services.exchange_confirm(exchange=due, actor=buyer.user).status == S.COMPLETED
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1


@pytest.mark.django_db
def test_auto_capture_with_a_date_in_the_future_captures_what_is_due_then(pair):
    seller, buyer = pair
    _delivered(seller, buyer)
    assert services.exchanges_auto_capture_due(now=timezone.now() + datetime.timedelta(days=13)) == 0
    assert services.exchanges_auto_capture_due(now=timezone.now() + datetime.timedelta(days=15)) == 1


@pytest.mark.django_db
def test_a_moderator_resolves_a_dispute_by_partial_capture(pair, staff_user):
    seller, buyer = pair
    disputed = services.exchange_dispute(exchange=_delivered(seller, buyer), reason="À moitié fait", actor=seller.user)
    assert disputed.dispute_reason == "À moitié fait"
    with pytest.raises(InvalidInput):
        services.exchange_resolve(exchange=disputed, outcome="partial", actor=staff_user)
    with pytest.raises(InvalidAmount):
        services.exchange_resolve(exchange=disputed, outcome="partial", amount=Money("30", "GRN"), actor=staff_user)
    assert Exchange.objects.get(pk=disputed.pk).status == S.DISPUTED
    resolved = services.exchange_resolve(
        exchange=disputed, outcome="partial", amount=Money("8", "GRN"), actor=staff_user
    )
    assert (resolved.status, hold_of(resolved).status, hold_of(resolved).captured_amount) == (
        S.RESOLVED,
        Hold.Status.CAPTURED,
        800,
    )
    assert money_of(buyer, "GRN") == (-800, 0, 49200)
    assert money_of(seller, "GRN") == (800, 0, 50800)


@pytest.mark.django_db
def test_a_moderator_resolves_a_dispute_by_voiding(pair, staff_user):
    seller, buyer = pair
    disputed = services.exchange_dispute(exchange=_delivered(seller, buyer), reason="Jamais venu", actor=buyer.user)
    resolved = services.exchange_resolve(exchange=disputed, outcome="void", actor=staff_user)
    assert (resolved.status, hold_of(resolved).status) == (S.RESOLVED, Hold.Status.VOIDED)
    assert money_of(buyer, "GRN") == (0, 0, 50000)
    with pytest.raises(NotReviewable):
        reviews.review_create(exchange=resolved, rating=1, comment="", actor=buyer.user)


@pytest.mark.django_db
def test_a_dispute_needs_a_reason(pair):
    seller, buyer = pair
    exchange = _delivered(seller, buyer)
    with pytest.raises(InvalidInput):
        services.exchange_dispute(exchange=exchange, reason="  ", actor=buyer.user)
    assert Exchange.objects.get(pk=exchange.pk).status == S.DELIVERED


@pytest.mark.django_db
def test_messages_are_for_the_two_parties(pair, make_member, staff_user):
    seller, buyer = pair
    exchange = propose(listing_of(seller), buyer)
    message = reviews.exchange_message_post(exchange=exchange, body=" Mardi ? ", actor=seller.user)
    assert (message.author, message.body) == (seller, "Mardi ?")
    with pytest.raises(NotFound):
        reviews.exchange_message_post(exchange=exchange, body="Coucou", actor=make_member().user)
    with pytest.raises(PermissionDenied):
        reviews.exchange_message_post(exchange=exchange, body="Coucou", actor=staff_user)
    with pytest.raises(InvalidInput):
        reviews.exchange_message_post(exchange=exchange, body="", actor=buyer.user)
    assert ExchangeMessage.objects.count() == 1


@pytest.mark.django_db
def test_each_side_reviews_once_after_completion_and_the_rating_is_averaged(pair, make_member):
    seller, buyer = pair
    exchange = _delivered(seller, buyer)
    with pytest.raises(NotReviewable):
        reviews.review_create(exchange=exchange, rating=5, comment="", actor=buyer.user)
    exchange = services.exchange_confirm(exchange=exchange, actor=buyer.user)
    with pytest.raises(InvalidInput):
        reviews.review_create(exchange=exchange, rating=6, comment="", actor=buyer.user)
    review = reviews.review_create(exchange=exchange, rating=5, comment="Délicieux", actor=buyer.user)
    assert (review.author, review.subject, review.rating) == (buyer, seller, 5)
    with pytest.raises(AlreadyReviewed):
        reviews.review_create(exchange=exchange, rating=4, comment="", actor=buyer.user)
    with pytest.raises(NotFound):
        reviews.review_create(exchange=exchange, rating=4, comment="", actor=make_member().user)
    other = services.exchange_confirm(exchange=_delivered(seller, buyer), actor=buyer.user)
    reviews.review_create(exchange=other, rating=4, comment="", actor=buyer.user)
    reviews.review_create(exchange=other, rating=3, comment="", actor=seller.user)
    assert Review.objects.count() == 3
    assert member_rating(seller) == (Decimal("4.5"), 2)
    assert member_rating(buyer) == (Decimal("3.0"), 1)
    assert member_rating(make_member()) == (None, 0)


@pytest.mark.django_db
def test_selectors_show_an_exchange_to_its_parties_and_staff_only(pair, make_member, staff_user):
    seller, buyer = pair
    exchange = propose(listing_of(seller), buyer)
    assert list(exchanges_of(seller)) == [exchange]
    assert list(exchanges_of(buyer)) == [exchange]
    assert exchange_get_visible(buyer.user, exchange.pk) == exchange
    assert exchange_get_visible(staff_user, exchange.pk) == exchange
    with pytest.raises(NotFound):
        exchange_get_visible(make_member().user, exchange.pk)


@pytest.mark.django_db
def test_the_other_party_gets_an_email_at_each_step_after_commit(pair, mailoutbox, django_capture_on_commit_callbacks):
    seller, buyer = pair
    with django_capture_on_commit_callbacks(execute=True):
        exchange = propose(listing_of(seller), buyer)
        exchange = services.exchange_accept(exchange=exchange, actor=seller.user)
        reviews.exchange_message_post(exchange=exchange, body="Demain", actor=buyer.user)
        exchange = services.exchange_deliver(exchange=exchange, actor=seller.user)
        services.exchange_confirm(exchange=exchange, actor=buyer.user)
    assert [mail.to for mail in mailoutbox] == [
        ["boulanger@example.org"],
        ["voisine@example.org"],
        ["boulanger@example.org"],
        ["voisine@example.org"],
        ["boulanger@example.org"],
    ]


@pytest.mark.django_db
def test_a_refused_acceptance_sends_no_email(pair, mailoutbox, django_capture_on_commit_callbacks):
    seller, buyer = pair
    exchange = propose(listing_of(seller, price=60000), buyer)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InsufficientFunds):
        services.exchange_accept(exchange=exchange, actor=seller.user)
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_ledgers_hold_expiry_never_touches_an_exchange_hold(pair):
    from ledger.services import holds_expire_due

    seller, buyer = pair
    exchange = services.exchange_accept(exchange=propose(listing_of(seller), buyer), actor=seller.user)
    assert hold_of(exchange).expires_at is None  # only the exchange's own rule resolves it
    far_future = timezone.now() + datetime.timedelta(days=3650)
    assert holds_expire_due(now=far_future) == 0
    assert holds_expire_due(now=far_future) == 0
    assert hold_of(exchange).status == Hold.Status.PENDING


@pytest.mark.django_db
def test_an_exchange_auto_captured_long_after_its_day_is_paid_in_full(pair):
    # A capture past a hold's expiry is refused (hold_expired): an exchange's hold carries none,
    # its deadline is the exchange's own auto_capture_at, so a beat stopped for weeks still pays.
    seller, buyer = pair
    exchange = _delivered(seller, buyer)
    assert hold_of(exchange).expires_at is None
    Exchange.objects.filter(pk=exchange.pk).update(auto_capture_at=timezone.now() - datetime.timedelta(days=30))

    assert services.exchanges_auto_capture_due() == 1

    exchange.refresh_from_db()
    assert (exchange.status, hold_of(exchange).status) == (S.COMPLETED, Hold.Status.CAPTURED)
    assert money_of(seller, "GRN") == (2000, 0, 52000)


@pytest.mark.django_db
def test_the_beat_task_runs_the_readable_rule_and_is_safe_twice(pair):
    from exchange.tasks import exchanges_auto_capture_due

    seller, buyer = pair
    exchange = _delivered(seller, buyer)
    Exchange.objects.filter(pk=exchange.pk).update(auto_capture_at=timezone.now() - datetime.timedelta(seconds=1))
    assert exchanges_auto_capture_due.apply().get() == 1
    assert exchanges_auto_capture_due.apply().get() == 0
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1
