"""Demurrage (fonte): 2 % per quarter of the balance above 100 ACH, once per account and period."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from djmoney.money import Money

from currency.models import DemurrageCharge
from currency.selectors.demurrage import demurrage_preview, demurrage_preview_date
from currency.services import demurrage as demurrage_service
from currency.services.demurrage import (
    demurrage_apply,
    demurrage_due_period,
    demurrage_next_run,
    demurrage_period,
)
from currency.tasks import demurrage_apply_due
from ledger.models import Account, Transaction
from ledger.services import account_status_set, hold_create, system_account
from ledger.units import Demurrage, all_units, get_unit
from tests.conftest import account_of, requires_postgresql

from .funding import give_ach

NEW_YEAR = timezone.make_aware(datetime.datetime(2027, 1, 1, 3, 0))


def fund_balance() -> int:
    return system_account(Account.SystemCode.DEMURRAGE_FUND, "ACH").balance


@pytest.fixture
def quarterly(settings):
    """The demo rule, whatever the environment says: 2 % per quarter above 100 ACH."""
    settings.BOCAGE_UNITS = {
        **settings.BOCAGE_UNITS,
        "ACH": {
            **settings.BOCAGE_UNITS["ACH"],
            "demurrage": {"rate": "0.02", "period": "quarter", "exempt_below": "100"},
        },
    }
    all_units.cache_clear()
    yield get_unit("ACH")
    all_units.cache_clear()


@pytest.fixture
def holders(make_member, quarterly):
    """Balances 1 000,00 / 100,00 / 150,25 / 0 / 5 000,00 ACH."""
    members = [make_member(username=f"habitant{i}") for i in range(5)]
    for member, amount in zip(members, ["1000.00", "100.00", "150.25", None, "5000.00"], strict=True):
        if amount:
            give_ach(member, amount)
    return [account_of(member, "ACH") for member in members]


# --- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "day", "name", "due", "next_run"),
    [
        ("quarter", datetime.date(2026, 11, 15), "2026-Q4", "2026-Q3", datetime.date(2027, 1, 1)),
        ("quarter", datetime.date(2027, 1, 1), "2027-Q1", "2026-Q4", datetime.date(2027, 4, 1)),
        ("month", datetime.date(2026, 11, 30), "2026-11", "2026-10", datetime.date(2026, 12, 1)),
        ("month", datetime.date(2027, 1, 1), "2027-01", "2026-12", datetime.date(2027, 2, 1)),
        ("year", datetime.date(2026, 6, 1), "2026", "2025", datetime.date(2027, 1, 1)),
    ],
)
def test_periods_are_named_and_the_one_that_ended_is_due(period, day, name, due, next_run):
    unit = get_unit("ACH")
    unit = type(unit)(**{**unit.__dict__, "demurrage": Demurrage(rate=Decimal("0.02"), period=period, exempt_below=0)})
    assert demurrage_period(unit, day) == name
    assert demurrage_due_period(unit, day) == due
    assert demurrage_next_run(unit, day) == next_run


# --- charging ---------------------------------------------------------------------------------


def test_each_account_above_the_threshold_pays_the_rate_on_the_part_above_it(holders):
    charged = demurrage_apply(unit="ACH", now=NEW_YEAR)

    assert charged == 3
    # 2 % of 900,00 = 18,00; of 50,25 = 1,005 → 1,01 (half up); of 4 900,00 = 98,00.
    assert [account.balance for account in Account.objects.filter(pk__in=[a.pk for a in holders])] == [
        100000 - 1800,
        10000,
        15025 - 101,
        0,
        500000 - 9800,
    ]
    assert fund_balance() == 1800 + 101 + 9800
    charges = DemurrageCharge.objects.order_by("account_id")
    assert [(c.account_id, c.period, c.amount) for c in charges] == [
        (holders[0].pk, "2026-Q4", 1800),
        (holders[2].pk, "2026-Q4", 101),
        (holders[4].pk, "2026-Q4", 9800),
    ]
    assert charges[0].transaction.idempotency_key == f"demurrage:ACH:2026-Q4:{holders[0].pk}"
    assert charges[0].transaction.memo == "Fonte 4e trimestre 2026"  # the period the French way (ledger.memos)
    assert charges[0].transaction.memo_params == {"period": "2026-Q4"}


def test_running_twice_in_the_same_period_charges_once(holders):
    assert demurrage_apply(unit="ACH", now=NEW_YEAR) == 3
    transactions = Transaction.objects.count()

    assert demurrage_apply(unit="ACH", now=NEW_YEAR + datetime.timedelta(days=1)) == 0

    assert Transaction.objects.count() == transactions
    assert DemurrageCharge.objects.count() == 3
    assert account_of(holders[0].holder, "ACH").balance == 98200
    assert fund_balance() == 11701


def test_a_crash_half_way_then_a_rerun_charges_every_account_exactly_once(holders, monkeypatch):
    real = demurrage_service.demurrage_charge_chunk
    calls = {"n": 0}

    def crash_on_the_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    # Chunks of one account: the worker dies after the first chunk committed.
    monkeypatch.setattr(demurrage_service, "demurrage_charge_chunk", crash_on_the_second)
    with pytest.raises(RuntimeError):
        demurrage_apply(unit="ACH", now=NEW_YEAR, chunk_size=1)
    assert DemurrageCharge.objects.count() == 1
    assert fund_balance() == 1800

    monkeypatch.setattr(demurrage_service, "demurrage_charge_chunk", real)
    assert demurrage_apply(unit="ACH", now=NEW_YEAR) == 2

    assert sorted(DemurrageCharge.objects.values_list("amount", flat=True)) == [101, 1800, 9800]
    assert fund_balance() == 11701
    assert account_of(holders[0].holder, "ACH").balance == 98200


def test_a_frozen_account_is_skipped_and_charged_on_a_rerun_once_unfrozen(holders):
    account_status_set(account=holders[4], status=Account.Status.FROZEN, actor=None)
    assert demurrage_apply(unit="ACH", now=NEW_YEAR) == 2
    assert account_of(holders[4].holder, "ACH").balance == 500000

    account_status_set(account=holders[4], status=Account.Status.OPEN, actor=None)
    assert demurrage_apply(unit="ACH", now=NEW_YEAR) == 1
    assert demurrage_apply(unit="ACH", now=NEW_YEAR) == 0
    assert account_of(holders[4].holder, "ACH").balance == 490200
    assert fund_balance() == 11701


def test_the_charge_never_exceeds_what_the_account_can_pay(holders, make_member):
    shop = make_member(username="boutique")
    hold_create(from_account=holders[0], to_account=account_of(shop, "ACH"), amount=Money("995.00", "ACH"), actor=None)

    demurrage_apply(unit="ACH", now=NEW_YEAR)

    charge = DemurrageCharge.objects.get(account=holders[0])
    assert charge.amount == 500  # 18,00 due, only 5,00 available (1 000 − 995 held)
    account = Account.objects.get(pk=holders[0].pk)
    assert (account.balance, account.held) == (99500, 99500)


def test_an_explicit_period_and_a_unit_without_demurrage(holders):
    assert demurrage_apply(unit="HRS", now=NEW_YEAR) == 0
    assert demurrage_apply(unit="ACH", period="2026-Q3") == 3
    assert set(DemurrageCharge.objects.values_list("period", flat=True)) == {"2026-Q3"}


def test_the_celery_task_charges_the_period_that_ended(holders, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NEW_YEAR)
    assert demurrage_apply_due.apply().get() == 3
    assert demurrage_apply_due.apply().get() == 0
    assert set(DemurrageCharge.objects.values_list("period", flat=True)) == {"2026-Q4"}


def test_the_preview_shows_the_coming_charge_and_its_day(holders):
    assert demurrage_preview(holders[0]) == Money("18.00", "ACH")
    assert demurrage_preview(holders[1]) is None
    assert demurrage_preview(account_of(holders[0].holder, "HRS")) is None
    assert demurrage_preview_date(holders[0], today=datetime.date(2026, 11, 25)) == datetime.date(2027, 1, 1)
    assert demurrage_preview_date(account_of(holders[0].holder, "HRS")) is None


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_charge_each_account_once(holders):
    errors: list[BaseException] = []
    results: list[int] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            results.append(demurrage_apply(unit="ACH", now=NEW_YEAR))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(results) == 3
    assert DemurrageCharge.objects.count() == 3
    assert fund_balance() == 11701
