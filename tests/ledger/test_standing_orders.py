"""Standing orders in the ledger: each due period paid exactly once, missed periods retried, cancel."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from djmoney.money import Money

from core.errors import PermissionDenied
from core.models import Notification
from ledger import standing_order_hooks
from ledger.errors import InvalidDay, StartInPast
from ledger.kinds import STANDING_ORDER
from ledger.models import Account, StandingOrder, StandingOrderExecution, Transaction
from ledger.services import (
    standing_order_cancel,
    standing_order_create,
    standing_order_run,
    standing_orders_run_due,
)
from tests.factories import account_of, fund

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def alice(make_member):
    member = make_member(username="alice")
    fund(account_of(member, "ACH"), "100.00")
    return member


@pytest.fixture
def bruno(make_member):
    return make_member(username="bruno")


def monthly(alice, bruno, *, amount="40.00", day=1, start=date(2026, 12, 1), **extra) -> StandingOrder:
    return standing_order_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bruno, "ACH"),
        amount=Money(amount, "ACH"),
        period="monthly",
        day=day,
        start=start,
        actor=alice.user,
        today=start,
        **extra,
    )


def balances(*members) -> list[int]:
    return [account_of(member, "ACH").balance for member in members]


def test_each_due_period_is_paid_once_even_when_run_twice(alice, bruno):
    order = monthly(alice, bruno)
    assert order.next_due == date(2026, 12, 1)
    first = standing_order_run(order.pk, now=paris(2026, 12, 1, 0, 1))
    again = standing_order_run(order.pk, now=paris(2026, 12, 1, 0, 2))
    assert [(e.period, e.status) for e in first] == [("2026-12", "paid")]
    assert again == []
    assert balances(alice, bruno) == [6000, 4000]
    payment = first[0].transaction
    assert payment.kind_id == STANDING_ORDER and payment.idempotency_key == f"standing-order:{order.pk}:2026-12"
    order.refresh_from_db()
    assert order.next_due == date(2027, 1, 1)


def test_a_late_run_after_months_of_downtime_pays_each_period_once_oldest_first(alice, bruno):
    order = monthly(alice, bruno, amount="10.00", day=31, start=date(2026, 12, 1))
    done = standing_order_run(order.pk, now=paris(2027, 4, 2, 9))
    assert [(e.period, e.due_date, e.status) for e in done] == [
        ("2026-12", date(2026, 12, 31), "paid"),
        ("2027-01", date(2027, 1, 31), "paid"),
        ("2027-02", date(2027, 2, 28), "paid"),
        ("2027-03", date(2027, 3, 31), "paid"),
    ]
    assert [e.transaction_id for e in done] == sorted(e.transaction_id for e in done)
    assert balances(alice, bruno) == [6000, 4000]
    assert standing_orders_run_due(now=paris(2027, 4, 2, 9, 1)) == 0


def test_daylight_saving_nights_pay_the_local_dates_period_once(alice, bruno):
    order = monthly(alice, bruno, amount="1.00", day=29, start=date(2027, 3, 1))
    # 28 March 2027 at 23:30 UTC is already the 29th in Paris (summer time since 01:00 UTC).
    assert standing_order_run(order.pk, now=datetime(2027, 3, 28, 21, 59, tzinfo=ZoneInfo("UTC"))) == []
    paid = standing_order_run(order.pk, now=datetime(2027, 3, 28, 22, 0, tzinfo=ZoneInfo("UTC")))
    assert [e.period for e in paid] == ["2027-03"]
    assert standing_order_run(order.pk, now=datetime(2027, 3, 29, 1, 0, tzinfo=ZoneInfo("UTC"))) == []
    # October: the 31st begins at 23:00 UTC on the 30th (winter time from the 31st at 01:00 UTC).
    october = monthly(alice, bruno, amount="1.00", day=31, start=date(2027, 10, 1))
    assert standing_order_run(october.pk, now=datetime(2027, 10, 30, 21, 59, tzinfo=ZoneInfo("UTC"))) == []
    assert [
        e.period for e in standing_order_run(october.pk, now=datetime(2027, 10, 30, 22, 0, tzinfo=ZoneInfo("UTC")))
    ] == ["2027-10"]
    assert standing_order_run(october.pk, now=datetime(2027, 10, 31, 2, 0, tzinfo=ZoneInfo("UTC"))) == []
    assert balances(alice, bruno) == [9800, 200]


def test_a_worker_killed_after_the_posting_commits_nothing_and_the_rerun_pays_once(alice, bruno):
    order = monthly(alice, bruno)

    class Killed(Exception):
        pass

    with pytest.raises(Killed), transaction.atomic():
        standing_order_run(order.pk, now=paris(2026, 12, 1, 8))
        raise Killed()
    assert balances(alice, bruno) == [10000, 0]
    assert not StandingOrderExecution.objects.exists()
    assert [e.status for e in standing_order_run(order.pk, now=paris(2026, 12, 1, 8, 1))] == ["paid"]
    assert balances(alice, bruno) == [6000, 4000]


def test_a_lost_execution_row_replays_the_committed_payment_by_its_key(alice, bruno):
    order = monthly(alice, bruno)
    [execution] = standing_order_run(order.pk, now=paris(2026, 12, 1, 8))
    payment = execution.transaction
    # The row lost (as if never written), the order not advanced: the key finds the payment.
    StandingOrderExecution.objects.filter(pk=execution.pk).delete()
    StandingOrder.objects.filter(pk=order.pk).update(next_due=date(2026, 12, 1))
    [replayed] = standing_order_run(order.pk, now=paris(2026, 12, 1, 9))
    assert replayed.status == "paid" and replayed.transaction_id == payment.pk
    assert balances(alice, bruno) == [6000, 4000]
    assert Transaction.objects.filter(kind_id=STANDING_ORDER).count() == 1


def test_insufficient_funds_is_missed_with_its_reason_retried_then_paid(alice, bruno):
    order = monthly(alice, bruno, amount="150.00")
    calls: list[tuple] = []
    standing_order_hooks.register(
        "test",
        on_paid=lambda o, e: calls.append(("paid", e.period)),
        on_missed=lambda o, e, final: calls.append(("missed", e.period, final)),
    )
    StandingOrder.objects.filter(pk=order.pk).update(purpose="test:1")
    [missed] = standing_order_run(order.pk, now=paris(2026, 12, 1, 8))
    assert (missed.status, missed.reason, missed.attempts) == ("missed", "insufficient_funds", 1)
    assert missed.retry_at == paris(2026, 12, 2, 8)
    assert balances(alice, bruno) == [10000, 0]
    assert Notification.objects.filter(kind="standing_order_missed").count() == 2  # payer and payee
    assert standing_orders_run_due(now=paris(2026, 12, 2, 7, 59)) == 0
    [again] = standing_order_run(order.pk, now=paris(2026, 12, 2, 8))
    assert (again.status, again.attempts) == ("missed", 2)
    fund(account_of(alice, "ACH"), "60.00")
    assert standing_orders_run_due(now=paris(2026, 12, 3, 8)) == 1
    again.refresh_from_db()
    assert (again.status, again.attempts, again.retry_at, again.reason) == ("paid", 3, None, "insufficient_funds")
    assert balances(alice, bruno) == [1000, 15000]
    assert Notification.objects.filter(kind="standing_order_missed").count() == 2  # once per missed period
    assert calls == [("missed", "2026-12", False), ("missed", "2026-12", False), ("paid", "2026-12")]


def test_a_miss_is_final_after_three_attempts_or_when_the_retry_would_pass_the_next_period(alice, bruno):
    order = monthly(alice, bruno, amount="150.00", day=31, start=date(2026, 12, 1))
    # December, run late on 3 January: retried while before January's due date (the 31st), 3 attempts.
    [december] = standing_order_run(order.pk, now=paris(2027, 1, 3, 8))
    assert december.retry_at is not None
    standing_order_run(order.pk, now=paris(2027, 1, 4, 8))
    [third] = standing_order_run(order.pk, now=paris(2027, 1, 5, 8))
    assert (third.attempts, third.retry_at) == (3, None)
    [january] = standing_order_run(order.pk, now=paris(2027, 1, 31, 8))
    assert january.period == "2027-01" and january.retry_at == paris(2027, 2, 1, 8)
    [january_again] = standing_order_run(order.pk, now=paris(2027, 2, 1, 8))
    assert january_again.retry_at == paris(2027, 2, 2, 8)
    # A weekly period run on its last day: the retry would fall in the next period, so none.
    weekly = standing_order_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bruno, "ACH"),
        amount=Money("500.00", "ACH"),
        period="weekly",
        day=1,
        start=date(2027, 1, 4),
        actor=alice.user,
        today=date(2027, 1, 4),
    )
    [monday] = standing_order_run(weekly.pk, now=paris(2027, 1, 10, 12))  # Sunday: the retry would be Monday
    assert monday.retry_at is None
    assert balances(alice, bruno) == [10000, 0]


def test_count_reached_ends_the_order_and_tells_its_app_once(alice, bruno):
    stopped: list[int] = []
    standing_order_hooks.register("ending", on_stopped=lambda o: stopped.append(o.pk))
    order = monthly(alice, bruno, amount="10.00", count=2, purpose="ending:7")
    standing_order_run(order.pk, now=paris(2027, 3, 1, 8))
    standing_order_run(order.pk, now=paris(2027, 4, 1, 8))
    order.refresh_from_db()
    assert (order.status, order.next_due, order.executions.count()) == ("ended", None, 2)
    assert stopped == [order.pk]
    assert balances(alice, bruno) == [8000, 2000]


def test_the_payer_cancels_the_payee_may_not(alice, bruno):
    order = monthly(alice, bruno)
    with pytest.raises(PermissionDenied):
        standing_order_cancel(order=order, actor=bruno.user)
    order.refresh_from_db()
    assert order.status == "active"
    cancelled = standing_order_cancel(order=order, actor=alice.user)
    assert (cancelled.status, cancelled.next_due, cancelled.cancelled_by) == ("cancelled", None, alice.user)
    assert standing_order_cancel(order=order, actor=alice.user).status == "cancelled"
    assert standing_order_run(order.pk, now=paris(2027, 1, 1, 8)) == []
    assert balances(alice, bruno) == [10000, 0]


def test_creation_refuses_bad_input_and_writes_nothing(alice, bruno, make_member):
    with pytest.raises(StartInPast):
        standing_order_create(
            from_account=account_of(alice, "ACH"),
            to_account=account_of(bruno, "ACH"),
            amount=Money("1.00", "ACH"),
            period="monthly",
            day=1,
            start=date(2020, 1, 1),
            actor=alice.user,
        )
    with pytest.raises(InvalidDay):
        monthly(alice, bruno, day=0)
    with pytest.raises(PermissionDenied):
        standing_order_create(
            from_account=account_of(alice, "ACH"),
            to_account=account_of(bruno, "ACH"),
            amount=Money("1.00", "ACH"),
            period="weekly",
            day=1,
            start=date(2030, 1, 1),
            actor=bruno.user,
        )
    assert not StandingOrder.objects.exists()


def test_the_same_key_replays_the_order(alice, bruno):
    first = monthly(alice, bruno, idempotency_key="k1")
    assert monthly(alice, bruno, idempotency_key="k1").pk == first.pk
    assert StandingOrder.objects.count() == 1
    assert Account.objects.get(pk=first.from_account_id).balance == 10000
