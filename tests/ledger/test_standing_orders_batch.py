"""The beat pays standing orders in chunks: one database transaction and one ledger batch per
chunk, each period checked against the running balances, the apps told once per outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from djmoney.money import Money

from core.models import Notification
from ledger import standing_order_hooks
from ledger.kinds import STANDING_ORDER
from ledger.models import Account, StandingOrder, StandingOrderExecution, Transaction
from ledger.services import account_status_set, standing_order_create, standing_orders_run_due
from ledger.services.standing_orders import standing_orders_run_chunk
from ledger.standing_order_periods import next_calendar_date
from places.kinds import CREDIT_GRANT
from places.models import Plan, PlanAllowance
from places.selectors.credits import allowance_account, seller_account
from places.services.plans import plan_subscribe
from tests.factories import account_of
from tests.places.booking_setup import funded_member, make_place, make_resource

pytestmark = pytest.mark.django_db


def monthly(payer, payee, amount: str, purpose: str) -> StandingOrder:
    today = timezone.localdate()
    return standing_order_create(
        from_account=account_of(payer, "ACH"),
        to_account=account_of(payee, "ACH"),
        amount=Money(amount, "ACH"),
        period="monthly",
        day=today.day,
        start=today,
        purpose=purpose,
        actor=None,
    )


def test_three_orders_after_downtime_are_paid_in_chunks_each_period_once_in_order():
    heard: list[tuple] = []
    standing_order_hooks.register(
        "batchtest",
        on_paid=lambda o, e: heard.append(("paid", o.purpose, e.period)),
        on_missed=lambda o, e, final: heard.append(("missed", o.purpose, e.period, final)),
    )
    alice, bruno = funded_member("alice", "100.00"), funded_member("bruno", "0")
    camille, dana = funded_member("camille", "300.00"), funded_member("dana", "100.00")
    short = monthly(alice, bruno, "40.00", "batchtest:short")
    place = make_place()
    make_resource(place, "Open space", capacity=6, kind="desk")
    plan = Plan.objects.create(place=place, name="Résident", unit="ACH", price=9000)
    days = PlanAllowance.objects.create(plan=plan, resource_kind="desk", unit="CRJ", amount=1000)
    subscription = plan_subscribe(plan=plan, member=camille, actor=camille.user, idempotency_key="s1")
    frozen = monthly(dana, bruno, "10.00", "batchtest:frozen")
    account_status_set(account=account_of(dana, "ACH"), status=Account.Status.FROZEN, actor=None)
    today = timezone.localdate()
    first = next_calendar_date(short, after=today)
    second = next_calendar_date(short, after=first)
    now = timezone.make_aware(dt.datetime.combine(second, dt.time(12)))
    periods = [f"{day:%Y-%m}" for day in (today, first, second)]

    # Three orders in chunks of two: (short, plan) then (frozen).
    assert standing_orders_run_due(now=now, chunk_size=2) == 3 + 2 + 3

    assert [account_of(m, "ACH").balance for m in (alice, bruno, camille, dana)] == [2000, 8000, 3000, 10000]
    assert seller_account(place, "ACH").balance == 3 * 9000
    executions = StandingOrderExecution.objects.order_by("order_id", "due_date")
    assert [(e.order_id, e.period, e.status, e.reason, e.retry_at is None) for e in executions] == [
        (short.pk, periods[0], "paid", "", True),
        (short.pk, periods[1], "paid", "", True),
        (short.pk, periods[2], "missed", "insufficient_funds", False),
        (subscription.standing_order_id, periods[0], "paid", "", True),
        (subscription.standing_order_id, periods[1], "paid", "", True),
        (subscription.standing_order_id, periods[2], "paid", "", True),
        # A retry only while it falls before the next period: the two older misses are final.
        (frozen.pk, periods[0], "missed", "account_frozen", True),
        (frozen.pk, periods[1], "missed", "account_frozen", True),
        (frozen.pk, periods[2], "missed", "account_frozen", False),
    ]
    paid = [e.transaction_id for e in executions if e.status == "paid"]
    assert Transaction.objects.filter(pk__in=paid, kind_id=STANDING_ORDER).count() == 5
    assert [e.transaction.idempotency_key for e in executions if e.status == "paid"][:2] == [
        f"standing-order:{short.pk}:{periods[0]}",
        f"standing-order:{short.pk}:{periods[1]}",
    ]
    # The plan's credits granted once per paid period (reset each period: 10 days left).
    grants = Transaction.objects.filter(
        kind_id=CREDIT_GRANT, idempotency_key__startswith=f"subscription:{subscription.pk}:"
    )
    assert grants.count() == 3
    assert allowance_account(subscription.pk, days.pk, "CRJ").balance == 1000
    subscription.refresh_from_db()
    assert subscription.paid_until == next_calendar_date(subscription.standing_order, after=second) - dt.timedelta(
        days=1
    )
    # Each app heard each outcome once, an order's periods in order.
    assert heard == [
        ("paid", "batchtest:short", periods[0]),
        ("paid", "batchtest:short", periods[1]),
        ("missed", "batchtest:short", periods[2], False),
        ("missed", "batchtest:frozen", periods[0], True),
        ("missed", "batchtest:frozen", periods[1], True),
        ("missed", "batchtest:frozen", periods[2], False),
    ]
    # Payer and payee told once per missed period.
    assert Notification.objects.filter(kind="standing_order_missed").count() == 2 * 4
    for order in (short, frozen, subscription.standing_order):
        order.refresh_from_db()
        assert order.next_due == next_calendar_date(order, after=second)

    # A rerun (the beat again, a chunk again) writes nothing.
    counts = (Transaction.objects.count(), StandingOrderExecution.objects.count(), Notification.objects.count())
    assert standing_orders_run_due(now=now, chunk_size=2) == 0
    assert standing_orders_run_chunk([short.pk, subscription.standing_order_id, frozen.pk], now=now) == []
    assert (Transaction.objects.count(), StandingOrderExecution.objects.count(), Notification.objects.count()) == counts
    assert len(heard) == 6

    # The next day the retries run, in one chunk: alice still short, dana thawed and paid.
    account_status_set(account=account_of(dana, "ACH"), status=Account.Status.OPEN, actor=None)
    assert standing_orders_run_due(now=now + dt.timedelta(days=1), chunk_size=2) == 2
    assert [account_of(m, "ACH").balance for m in (alice, bruno, dana)] == [2000, 9000, 9000]
    assert heard[6:] == [
        ("missed", "batchtest:short", periods[2], False),
        ("paid", "batchtest:frozen", periods[2]),
    ]
    assert Notification.objects.filter(kind="standing_order_missed").count() == 2 * 4
