"""Plans: subscribing pays the first period and grants the allowances; each later period resets (or
carries) them exactly once; a missed payment or a cancellation ends the plan after its paid days,
and its credits expire; the accepted price never changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Notification
from ledger.errors import InsufficientFunds
from ledger.models import Account, StandingOrder, StandingOrderExecution, Transaction
from ledger.services import hold_create, standing_order_run, transfer_create
from ledger.standing_order_periods import next_calendar_date
from places.errors import AlreadySubscribed
from places.models import PlaceManager, Plan, PlanAllowance, Subscription
from places.selectors.credits import allowance_account, credit_issuer, seller_account
from places.selectors.passes import active_allowances, member_passes
from places.services.plans import plan_subscribe, subscription_cancel, subscriptions_end_due
from tests.factories import account_of
from tests.places.booking_setup import funded_member, make_place, make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident():
    place = make_place()
    room = make_resource(place, "Salle", kind="meeting_room")
    desk = make_resource(place, "Open space", capacity=6, kind="desk")
    plan = Plan.objects.create(place=place, name="Résident", unit="ACH", price=9000)
    hours = PlanAllowance.objects.create(plan=plan, resource_kind="meeting_room", unit="CRH", amount=400)
    days = PlanAllowance.objects.create(plan=plan, resource=desk, unit="CRJ", amount=1000)
    return place, room, desk, plan, hours, days


def balance(account: Account) -> tuple[int, int]:
    account.refresh_from_db()
    return account.balance, account.held


def next_period(subscription: Subscription) -> dt.datetime:
    """Noon, local time, on the next period's due date."""
    order = subscription.standing_order
    due = next_calendar_date(order, after=subscription.start)
    return timezone.make_aware(dt.datetime.combine(due, dt.time(12)))


def test_subscribing_pays_the_first_period_and_grants_the_allowances_then_each_period_resets(resident):
    place, room, desk, plan, hours, days = resident
    camille = funded_member("camille", "200.00")

    subscription = plan_subscribe(plan=plan, member=camille, actor=camille.user, idempotency_key="s1")

    today = timezone.localdate()
    order = subscription.standing_order
    assert (subscription.unit, subscription.price, subscription.status) == ("ACH", 9000, "active")
    assert (order.amount, order.period, order.purpose) == (9000, "monthly", f"subscription:{subscription.pk}")
    assert subscription.paid_until == next_calendar_date(order, after=today) - dt.timedelta(days=1)
    assert balance(account_of(camille, "ACH")) == (11000, 0)
    assert seller_account(place, "ACH").balance == 9000
    hours_account = allowance_account(subscription.pk, hours.pk, "CRH")
    days_account = allowance_account(subscription.pk, days.pk, "CRJ")
    assert balance(hours_account) == (400, 0)
    assert balance(days_account) == (1000, 0)
    assert [(s.pk, a.pk) for s, a, _acc in active_allowances(camille, room, today)] == [(subscription.pk, hours.pk)]
    assert [a.pk for _s, a, _acc in active_allowances(camille, desk, today)] == [days.pk]
    # The same key: the same subscription, nothing more paid.
    assert plan_subscribe(plan=plan, member=camille, actor=camille.user, idempotency_key="s1").pk == subscription.pk
    with pytest.raises(AlreadySubscribed):
        plan_subscribe(plan=plan, member=camille, actor=camille.user, idempotency_key="s2")

    # A booking holds 1 h of the room's allowance; 2 h 30 are left unused; then the plan's price goes up.
    hold_create(
        from_account=hours_account,
        to_account=credit_issuer(place, "CRH"),
        amount=hours_account.unit_config.to_money(100),
        actor=None,
        expires_at=timezone.now() + dt.timedelta(days=90),
    )
    plan.price = 12000
    plan.save()
    later = next_period(subscription)
    standing_order_run(order.pk, now=later)
    standing_order_run(order.pk, now=later)  # twice: once

    subscription.refresh_from_db()
    assert balance(account_of(camille, "ACH")) == (2000, 0)  # 90 again, never 120
    assert balance(hours_account) == (500, 100)  # the 3 h left taken back, 4 h granted; the held hour stays
    assert balance(days_account) == (1000, 0)
    assert Transaction.objects.filter(kind_id="credit_grant").count() == 4
    assert subscription.paid_until == next_calendar_date(order, after=later.date()) - dt.timedelta(days=1)
    left = {row.allowance.pk: row.left for row in member_passes(camille, on=later.date()).subscriptions[0].allowances}
    assert left == {hours.pk: 400, days.pk: 1000}


def test_rollover_carries_what_is_left(resident):
    _place, _room, _desk, plan, hours, days = resident
    plan.rollover = True
    plan.save()
    member = funded_member("roll", "200.00")
    subscription = plan_subscribe(plan=plan, member=member, actor=member.user)

    standing_order_run(subscription.standing_order_id, now=next_period(subscription))

    assert balance(allowance_account(subscription.pk, hours.pk, "CRH")) == (800, 0)
    assert balance(allowance_account(subscription.pk, days.pk, "CRJ")) == (2000, 0)


def test_a_first_payment_refused_writes_nothing(resident):
    plan = resident[3]
    poor = funded_member("poor", "50.00")
    before = (Transaction.objects.count(), StandingOrder.objects.count(), Account.objects.count())

    with pytest.raises(InsufficientFunds):
        plan_subscribe(plan=plan, member=poor, actor=poor.user, idempotency_key="p1")

    assert Subscription.objects.count() == 0 and StandingOrderExecution.objects.count() == 0
    assert (Transaction.objects.count(), StandingOrder.objects.count(), Account.objects.count()) == before
    assert balance(account_of(poor, "ACH")) == (5000, 0)


def test_a_missed_period_ends_the_plan_after_its_paid_days_and_its_credits_expire(resident):
    place, room, _desk, plan, hours, days = resident
    member = funded_member("short", "100.00")
    other = funded_member("other", "0")
    host = funded_member("host", "0")
    PlaceManager.objects.create(place=place, member=host)
    subscription = plan_subscribe(plan=plan, member=member, actor=member.user)
    paid_until = subscription.paid_until
    transfer_create(
        from_account=account_of(member, "ACH"),
        to_account=account_of(other, "ACH"),
        amount=account_of(member, "ACH").unit_config.to_money(1000),
        actor=member.user,
    )
    later = next_period(subscription)

    for attempt in range(3):  # the first try and its two retries, a day apart
        standing_order_run(subscription.standing_order_id, now=later + dt.timedelta(hours=25 * attempt))

    subscription.refresh_from_db()
    assert (subscription.status, subscription.end) == ("ended", paid_until + dt.timedelta(days=1))
    # The place's manager (the payee's side) is told once for the period, whatever the retries.
    told = Notification.objects.filter(recipient=host.user, kind="plan_payment_missed")
    assert [(n.params["plan"], n.params["member"]) for n in told] == [("Résident", member.display_name)]
    assert balance(allowance_account(subscription.pk, hours.pk, "CRH")) == (0, 0)
    assert balance(allowance_account(subscription.pk, days.pk, "CRJ")) == (0, 0)
    assert credit_issuer(place, "CRH").balance == 0
    assert active_allowances(member, room, paid_until + dt.timedelta(days=1)) == []
    assert active_allowances(member, room, paid_until) == []  # nothing left to use either
    # The order is withdrawn (after the commit, or by the beat): no later period is taken.
    assert subscriptions_end_due(now=later) == 0
    assert StandingOrder.objects.get(pk=subscription.standing_order_id).status == "cancelled"


def test_a_cancelled_plan_lasts_until_its_paid_days_end(resident):
    _place, room, _desk, plan, hours, _days = resident
    member = funded_member("leaver", "200.00")
    subscription = plan_subscribe(plan=plan, member=member, actor=member.user)
    paid_until = subscription.paid_until

    subscription = subscription_cancel(subscription=subscription, actor=member.user)

    assert subscription.standing_order.status == "cancelled"
    assert (subscription.status, subscription.end) == ("active", paid_until + dt.timedelta(days=1))
    assert len(active_allowances(member, room, paid_until)) == 1
    assert active_allowances(member, room, paid_until + dt.timedelta(days=1)) == []
    end_day = timezone.make_aware(dt.datetime.combine(subscription.end, dt.time(1)))
    assert subscriptions_end_due(now=end_day - dt.timedelta(days=1)) == 0
    assert subscriptions_end_due(now=end_day) == 1
    assert subscriptions_end_due(now=end_day) == 0
    subscription.refresh_from_db()
    assert subscription.status == "ended"
    assert balance(allowance_account(subscription.pk, hours.pk, "CRH")) == (0, 0)
    assert Transaction.objects.filter(kind_id="credit_expiry").count() == 2
    assert balance(account_of(member, "ACH")) == (11000, 0)  # one period paid, no other
