"""PostgreSQL: runs of one standing order racing (two beats, a retry) pay each period once."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from djmoney.money import Money

from ledger.kinds import STANDING_ORDER
from ledger.models import StandingOrderExecution, Transaction
from ledger.services import standing_order_create, standing_order_run, standing_orders_run_due
from tests.concurrency import race
from tests.conftest import requires_postgresql
from tests.factories import account_of, fund

pytestmark = [requires_postgresql(), pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_concurrent_runs_of_one_order_pay_each_period_once(make_member):
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    fund(account_of(alice, "ACH"), "100.00")
    order = standing_order_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bruno, "ACH"),
        amount=Money("10.00", "ACH"),
        period="monthly",
        day=1,
        start=date(2026, 12, 1),
        actor=alice.user,
        today=date(2026, 12, 1),
    )
    now = datetime(2027, 2, 1, 9, tzinfo=ZoneInfo("Europe/Paris"))
    calls = [lambda: standing_order_run(order.pk, now=now) for _ in range(4)]
    calls += [lambda: standing_orders_run_due(now=now) for _ in range(2)]
    race(calls)
    assert sorted(StandingOrderExecution.objects.values_list("period", "status")) == [
        ("2026-12", "paid"),
        ("2027-01", "paid"),
        ("2027-02", "paid"),
    ]
    assert Transaction.objects.filter(kind_id=STANDING_ORDER).count() == 3
    assert [account_of(alice, "ACH").balance, account_of(bruno, "ACH").balance] == [7000, 3000]
