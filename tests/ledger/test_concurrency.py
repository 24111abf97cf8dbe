"""Many writers at once, on real PostgreSQL connections: the books still balance to the cent.

Each thread gets its own database connection (Django's connections are per thread) and posts
through the services, exactly as concurrent web requests and Celery workers would. Only the
ledger's business refusals (422) are expected; anything else fails the test.
"""

from __future__ import annotations

import random
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import TypeVar

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError
from ledger import services
from ledger.kinds import TRANSFER
from ledger.models import Account, Entry, Hold, Transaction
from ledger.units import get_unit
from tests.conftest import account_of, requires_postgresql

pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]

THREADS = 8
SEED = 20261125
HOURS = get_unit("HRS")
T = TypeVar("T")


@pytest.fixture
def crowded_time_bank(make_member) -> list[Account]:
    """Twenty HRS accounts, many of them at or near a limit, seeded through transfers.

    0–4 at −20 h (empty), 5–9 at −19 h, 15 at +100 h (full), 16 at +95 h, 17 at +10 h, 18 at −10 h.
    """
    accounts = [account_of(make_member(username=f"voisin{i:02d}"), "HRS") for i in range(20)]

    def pay(payer: int, payee: int, hours: str) -> None:
        services.transfer_create(
            from_account=accounts[payer], to_account=accounts[payee], amount=Money(hours, "HRS"), actor=None
        )

    for payer in range(5):
        pay(payer, 15, "20")
    for payer in range(5, 10):
        pay(payer, 16, "19")
    pay(18, 17, "10")
    balances = dict(Account.objects.filter(unit="HRS").values_list("pk", "balance"))
    assert [balances[a.pk] for a in accounts] == [-2000] * 5 + [-1900] * 5 + [0] * 5 + [10000, 9500, 1000, -1000, 0]
    return accounts


def run_in_threads(work: Callable[[random.Random, Counter], None]) -> Counter:
    """Run `work` in THREADS threads started together; fail on any exception that is not a 422."""
    barrier = threading.Barrier(THREADS)
    counters = [Counter() for _ in range(THREADS)]
    failures: list[str] = []

    def thread_main(index: int) -> None:
        try:
            barrier.wait()
            work(random.Random(SEED + index), counters[index])
        except BaseException:
            failures.append(traceback.format_exc())
        finally:
            connection.close()

    threads = [threading.Thread(target=thread_main, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    return sum(counters, Counter())


def attempt(action: Callable[[], T], counter: Counter, done: str) -> T | None:
    """Run one service call; count it as `done` or by its refusal code. Anything but a 422 propagates."""
    try:
        result = action()
    except ApplicationError as exc:
        if exc.status != 422:
            raise
        counter[f"refused:{exc.code}"] += 1
        return None
    counter[done] += 1
    return result


def amount(rng: random.Random) -> Money:
    return HOURS.to_money(rng.randrange(25, 601, 25))  # a quarter of an hour to six hours


def pick_pair(rng: random.Random, accounts: list[Account], hot: Account) -> tuple[Account, Account]:
    """About half of the transfers involve the hot account, on either side."""
    if rng.random() < 0.5:
        other = rng.choice([a for a in accounts if a.pk != hot.pk])
        return (hot, other) if rng.random() < 0.5 else (other, hot)
    payer, payee = rng.sample(accounts, 2)
    return payer, payee


def assert_books_are_sound() -> None:
    """Invariants 1–4 and the holds, checked over every row after the storm."""
    per_unit = dict(Account.objects.values("unit").annotate(total=Sum("balance")).values_list("unit", "total"))
    assert all(total == 0 for total in per_unit.values()), per_unit

    unbalanced = Entry.objects.values("transaction_id", "unit").annotate(total=Sum("amount")).exclude(total=0)
    assert list(unbalanced) == []
    assert Transaction.objects.exclude(pk__in=Entry.objects.values("transaction_id")).count() == 0

    entries_by_account: dict[int, list[tuple[int, int]]] = {}
    for account_id, entry_amount, balance_after in Entry.objects.order_by("account_id", "id").values_list(
        "account_id", "amount", "balance_after"
    ):
        entries_by_account.setdefault(account_id, []).append((entry_amount, balance_after))
    pending: dict[int, int] = dict(
        Hold.objects.filter(status=Hold.Status.PENDING)
        .values("debit_account_id")
        .annotate(total=Sum("amount"))
        .values_list("debit_account_id", "total")
    )

    for account in Account.objects.all():
        entries = entries_by_account.get(account.pk, [])
        running = 0
        for entry_amount, balance_after in entries:
            running += entry_amount
            assert balance_after == running, f"account {account.pk}: broken balance_after chain"
        assert account.balance == running == (entries[-1][1] if entries else 0), f"account {account.pk}"
        assert account.held == pending.get(account.pk, 0), f"account {account.pk}: held"
        if account.min_balance is not None:
            assert account.balance - account.held >= account.min_balance, f"account {account.pk} below its limit"
        if account.max_balance is not None:
            assert account.balance <= account.max_balance, f"account {account.pk} above its limit"


def test_thousands_of_concurrent_transfers_near_the_limits_keep_the_books_exact(crowded_time_bank):
    accounts = crowded_time_bank
    hot = accounts[15]
    transfers_per_thread = 260  # 2,080 in all
    transactions_before = Transaction.objects.count()
    entries_before = Entry.objects.count()

    def work(rng: random.Random, counter: Counter) -> None:
        for _ in range(transfers_per_thread):
            payer, payee = pick_pair(rng, accounts, hot)
            transfer = partial(
                services.transfer_create, from_account=payer, to_account=payee, amount=amount(rng), actor=None
            )
            attempt(transfer, counter, "posted")

    outcomes = run_in_threads(work)

    refusals = {code: count for code, count in outcomes.items() if code.startswith("refused:")}
    assert outcomes["posted"] + sum(refusals.values()) == THREADS * transfers_per_thread
    assert set(refusals) <= {"refused:insufficient_funds", "refused:limit_exceeded"}
    # Seeded at their limits, the accounts must have refused some payments both ways.
    assert refusals.get("refused:insufficient_funds", 0) > 0
    assert refusals.get("refused:limit_exceeded", 0) > 0
    assert Transaction.objects.count() - transactions_before == outcomes["posted"]
    assert Entry.objects.count() - entries_before == 2 * outcomes["posted"]
    assert Transaction.objects.filter(kind=TRANSFER).count() == outcomes["posted"] + 11
    assert_books_are_sound()


def test_holds_captured_voided_and_expired_among_concurrent_transfers_keep_held_exact(crowded_time_bank):
    accounts = crowded_time_bank
    hot = accounts[15]
    operations_per_thread = 260
    deadline = timezone.now() + timedelta(hours=1)
    after_deadline = deadline + timedelta(hours=1)
    hold_ids: list[int] = []
    hold_ids_lock = threading.Lock()
    transactions_before = Transaction.objects.count()

    def some_hold(rng: random.Random) -> int | None:
        with hold_ids_lock:
            return rng.choice(hold_ids) if hold_ids else None

    def work(rng: random.Random, counter: Counter) -> None:
        for _ in range(operations_per_thread):
            roll = rng.random()
            payer, payee = pick_pair(rng, accounts, hot)
            if roll < 0.4:
                transfer = partial(
                    services.transfer_create, from_account=payer, to_account=payee, amount=amount(rng), actor=None
                )
                attempt(transfer, counter, "posted")
                continue
            if roll < 0.7:
                expires_at = deadline if rng.random() < 0.5 else None
                reserve = partial(
                    services.hold_create,
                    from_account=payer,
                    to_account=payee,
                    amount=amount(rng),
                    actor=None,
                    expires_at=expires_at,
                )
                created = attempt(reserve, counter, "held")
                if created is not None:
                    with hold_ids_lock:
                        hold_ids.append(created.pk)
                continue
            hold_id = some_hold(rng)
            if hold_id is None:
                continue
            hold = Hold(pk=hold_id)
            if roll < 0.85:
                part = None if rng.random() < 0.5 else HOURS.to_money(25)  # a quarter of an hour never exceeds a hold
                attempt(partial(services.hold_capture, hold=hold, actor=None, amount=part), counter, "captured")
            elif roll < 0.95:
                attempt(partial(services.hold_void, hold=hold, actor=None), counter, "voided")
            elif services.hold_expire(hold_id=hold_id, now=after_deadline):
                counter["expired"] += 1

    outcomes = run_in_threads(work)

    statuses = Counter(Hold.objects.values_list("status", flat=True))
    assert statuses[Hold.Status.CAPTURED] == outcomes["captured"]
    assert statuses[Hold.Status.VOIDED] == outcomes["voided"]
    assert statuses[Hold.Status.EXPIRED] == outcomes["expired"]
    assert sum(statuses.values()) == outcomes["held"] == len(hold_ids)
    assert outcomes["captured"] > 0
    assert outcomes["voided"] > 0
    assert outcomes["refused:hold_resolved"] > 0
    assert Transaction.objects.count() - transactions_before == outcomes["posted"] + outcomes["captured"]
    for hold in Hold.objects.filter(status=Hold.Status.CAPTURED).select_related("capture_transaction"):
        assert list(hold.capture_transaction.entries.order_by("id").values_list("account_id", "amount")) == [
            (hold.debit_account_id, -hold.captured_amount),
            (hold.credit_account_id, hold.captured_amount),
        ]
    assert_books_are_sound()

    # The holds still pending with a deadline expire once; those without one stay held.
    due = Hold.objects.filter(status=Hold.Status.PENDING, expires_at__isnull=False).count()
    assert services.holds_expire_due(now=after_deadline) == due
    assert services.holds_expire_due(now=after_deadline) == 0
    assert_books_are_sound()
