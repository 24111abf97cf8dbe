"""The bank test, Jepsen style: sixteen writers and a snapshot reader, and the books still balance.

Sixteen threads, each on its own PostgreSQL connection, drive transfers, holds (captured in full
or in part, voided), reversals by an administrator, SEL exchanges and crowdfunding pledges over
ACH, HRS and GRN accounts, many at or near their limits, with one hot business account that
everyone pays. A reader thread keeps reading every balance in one REPEATABLE READ snapshot: each
read must sum to zero per unit. Outcomes vary with scheduling; the invariants checked at the end
may not. Every client outcome is a success or a clean ApplicationError, counted by code.
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Sum
from djmoney.money import Money

from core.errors import ApplicationError
from crowdfunding.models import Campaign, Pledge, RewardTier
from crowdfunding.services.pledges import pledge_change, pledge_create, pledge_withdraw
from exchange.models import Exchange, Listing
from exchange.services import exchanges as sel
from ledger import services
from ledger.kinds import HOLD_CAPTURE, REVERSAL
from ledger.models import Account, Entry, Hold, Transaction
from ledger.units import get_unit
from ledger.verification import verify_ledger
from members.models import Member
from tests.conftest import account_of, requires_postgresql
from tests.crowdfunding.helpers import live_campaign, tier
from tests.currency.funding import give_ach
from tests.exchange.test_exchange_support import listing_of

pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]

WORKERS = 16
OPERATIONS = 500  # per worker
SEED = 20261127
T = TypeVar("T")


@dataclass
class Town:
    """Who is in the run, and what the workers share (guarded by `lock`)."""

    ach: list[Member]
    hrs: list[Member]
    grn: list[Member]
    shop: Member
    staff: User
    campaign: Campaign
    reward: RewardTier
    listings: list[Listing]
    lock: threading.Lock = field(default_factory=threading.Lock)
    transfers: list[Transaction] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    pledges: list[Pledge] = field(default_factory=list)


def hours(value: str) -> Money:
    return Money(value, "HRS")


def build_town(make_member, django_user_model, *, people: int = 6) -> Town:
    """ACH members funded through the comptoir; HRS and GRN members pushed to or near their limits."""
    shop = make_member(username="boulangerie", kind=Member.Kind.BUSINESS)
    ach = [make_member(username=f"achard{i:02d}") for i in range(people)]
    for index, member in enumerate(ach):
        give_ach(member, str(40 + 20 * index))
    hrs = [make_member(username=f"heures{i:02d}") for i in range(people)]
    grn = [make_member(username=f"grains{i:02d}") for i in range(people)]
    # Two at the HRS floor (−20 h), one near it, and their creditors near the ceiling side.
    services.transfer_create(
        from_account=account_of(hrs[0], "HRS"), to_account=account_of(hrs[1], "HRS"), amount=hours("20"), actor=None
    )
    services.transfer_create(
        from_account=account_of(hrs[2], "HRS"), to_account=account_of(hrs[1], "HRS"), amount=hours("20"), actor=None
    )
    services.transfer_create(
        from_account=account_of(hrs[3], "HRS"), to_account=account_of(shop, "HRS"), amount=hours("19"), actor=None
    )
    services.transfer_create(
        from_account=account_of(grn[0], "GRN"), to_account=account_of(grn[1], "GRN"), amount=Money("495", "GRN"),
        actor=None,
    )  # fmt: skip
    staff = django_user_model.objects.create_user(username="tresoriere", password="x", is_staff=True)
    owner = make_member(username="fablab")
    campaign = live_campaign(owner, goal="500", tiers=[{"title": "Atelier", "minimum": Money("10", "ACH"), "stock": 2}])
    listings = [listing_of(member, unit="GRN", price=2500 + 500 * index) for index, member in enumerate(grn)]
    listings += [listing_of(member, unit="HRS", price=150, title="Une heure de jardinage") for member in hrs[:3]]
    return Town(ach, hrs, grn, shop, staff, campaign, tier(campaign, "Atelier"), listings)


def attempt(action: Callable[[], T], counter: Counter, done: str) -> T | None:
    """One client call: a success, or a clean ApplicationError counted by its code. Anything else propagates."""
    try:
        result = action()
    except ApplicationError as exc:
        counter[f"refused:{exc.code}"] += 1
        return None
    counter[done] += 1
    return result


def _unit_members(town: Town, unit: str) -> list[Member]:
    return {"ACH": town.ach, "HRS": town.hrs, "GRN": town.grn}[unit]


def _pair(rng: random.Random, town: Town, unit: str) -> tuple[Account, Account]:
    members = _unit_members(town, unit)
    if rng.random() < 0.4:  # the hot account: everyone pays the bakery
        return account_of(rng.choice(members), unit), account_of(town.shop, unit)
    payer, payee = rng.sample(members, 2)
    return account_of(payer, unit), account_of(payee, unit)


def _amount(rng: random.Random, unit: str) -> Money:
    top = {"ACH": 1500, "HRS": 600, "GRN": 6000}[unit]
    return get_unit(unit).to_money(rng.randrange(25, top, 25))


def one_operation(rng: random.Random, town: Town, counter: Counter) -> None:
    unit = rng.choice(["ACH", "ACH", "HRS", "GRN"])
    roll = rng.random()
    if roll < 0.30:
        payer, payee = _pair(rng, town, unit)
        txn = attempt(
            lambda: services.transfer_create(
                from_account=payer, to_account=payee, amount=_amount(rng, unit), actor=None
            ),
            counter,
            "transfer",
        )
        if txn is not None:
            with town.lock:
                town.transfers.append(txn)
    elif roll < 0.42:
        payer, payee = _pair(rng, town, unit)
        hold = attempt(
            lambda: services.hold_create(from_account=payer, to_account=payee, amount=_amount(rng, unit), actor=None),
            counter,
            "hold",
        )
        if hold is not None:
            with town.lock:
                town.holds.append(hold)
    elif roll < 0.54:
        with town.lock:
            hold = rng.choice(town.holds) if town.holds else None
        if hold is None:
            return
        choice = rng.random()
        if choice < 0.35:
            attempt(lambda: services.hold_capture(hold=hold, actor=None), counter, "capture")
        elif choice < 0.7:
            part = get_unit(hold.unit).to_money(max(1, hold.amount // rng.choice([2, 3, 4])))
            attempt(lambda: services.hold_capture(hold=hold, actor=None, amount=part), counter, "capture_partial")
        else:
            attempt(lambda: services.hold_void(hold=hold, actor=None), counter, "void")
    elif roll < 0.60:
        with town.lock:
            original = rng.choice(town.transfers) if town.transfers else None
        if original is not None:
            attempt(
                lambda: services.transaction_reverse(transaction_to_reverse=original, actor=town.staff),
                counter,
                "reversal",
            )
    elif roll < 0.82:
        exchange_step(rng, town, counter)
    else:
        pledge_step(rng, town, counter)


def exchange_step(rng: random.Random, town: Town, counter: Counter) -> None:
    """Propose a new exchange, or move an existing one on (accept, deliver, confirm, cancel)."""
    with town.lock:
        known = rng.choice(town.exchanges) if town.exchanges and rng.random() < 0.75 else None
    if known is None:
        listing = rng.choice(town.listings)
        members = _unit_members(town, listing.unit)
        proposer = rng.choice([m for m in members if m.pk != listing.author_id])
        exchange = attempt(
            lambda: sel.exchange_propose(listing=listing, proposer=proposer, amount=None, actor=proposer.user),
            counter,
            "exchange_propose",
        )
        if exchange is not None:
            with town.lock:
                town.exchanges.append(exchange)
        return
    buyer, seller = Member.objects.get(pk=known.buyer_id), Member.objects.get(pk=known.seller_id)
    status = Exchange.objects.get(pk=known.pk).status  # usually the next step; sometimes a stale or rival one
    following = {"requested": "accept", "accepted": "deliver", "delivered": "confirm"}.get(status, "confirm")
    action = following if rng.random() < 0.7 else rng.choice(["accept", "deliver", "confirm", "cancel"])
    actor = {"accept": seller, "deliver": seller, "confirm": buyer, "cancel": rng.choice([buyer, seller])}[action]
    service = getattr(sel, f"exchange_{action}")
    attempt(lambda: service(exchange=known, actor=actor.user), counter, f"exchange_{action}")


def pledge_step(rng: random.Random, town: Town, counter: Counter) -> None:
    backer = rng.choice(town.ach)
    active = Pledge.objects.filter(campaign=town.campaign, backer=backer, status=Pledge.Status.ACTIVE).first()
    if active is None:
        reward = town.reward if rng.random() < 0.5 else None
        attempt(
            lambda: pledge_create(
                campaign=town.campaign, backer=backer, amount=_amount(rng, "ACH") + Money("10", "ACH"),
                tier=reward, actor=backer.user,
            ),
            counter,
            "pledge",
        )  # fmt: skip
    elif rng.random() < 0.6:
        attempt(
            lambda: pledge_change(pledge=active, amount=_amount(rng, "ACH") + Money("10", "ACH"), actor=backer.user),
            counter,
            "pledge_change",
        )
    else:
        attempt(lambda: pledge_withdraw(pledge=active, actor=backer.user), counter, "pledge_withdraw")


@dataclass
class Run:
    counts: Counter
    reads: int
    bad_reads: list[dict[str, int]]
    seconds: float


def snapshot_totals() -> tuple[dict[str, int], dict[str, int]]:
    """Per-unit sums of balances and of entries, read in one REPEATABLE READ snapshot."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT unit, SUM(balance) FROM ledger_account GROUP BY unit")
        balances = {unit: int(total) for unit, total in cursor.fetchall()}
        cursor.execute("SELECT unit, SUM(amount) FROM ledger_entry GROUP BY unit")
        entries = {unit: int(total) for unit, total in cursor.fetchall()}
    return balances, entries


def run_bank(town: Town, *, workers: int = WORKERS, operations: int = OPERATIONS, seed: int = SEED) -> Run:
    """Start the workers and the reader together; fail on anything that is not an ApplicationError."""
    barrier = threading.Barrier(workers + 1)
    counters: list[Counter[str]] = [Counter() for _ in range(workers)]
    failures: list[str] = []
    finished = threading.Event()
    reads: list[int] = [0]
    bad_reads: list[dict[str, int]] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            rng = random.Random(seed + index)
            for _ in range(operations):
                one_operation(rng, town, counters[index])
        except BaseException:
            failures.append(traceback.format_exc())
        finally:
            connection.close()

    def reader() -> None:
        try:
            barrier.wait()
            while not finished.is_set():
                balances, entries = snapshot_totals()
                reads[0] += 1
                if any(balances.values()) or any(entries.values()):
                    bad_reads.append(balances | {f"entries:{unit}": total for unit, total in entries.items()})
                time.sleep(0.005)
        except BaseException:
            failures.append(traceback.format_exc())
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    watcher = threading.Thread(target=reader)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join()
    finished.set()
    watcher.join()
    assert failures == []
    return Run(sum(counters, Counter()), reads[0], bad_reads, time.monotonic() - started)


def assert_invariants_hold() -> None:
    """Per-unit zero, limits, balances = entries = last balance_after, held = pending holds, backing, holds once."""
    per_unit = dict(Account.objects.values("unit").annotate(total=Sum("balance")).values_list("unit", "total"))
    assert set(per_unit.values()) == {0}, per_unit

    for account in Account.objects.all():
        entries = Entry.objects.filter(account=account)
        total = entries.aggregate(total=Sum("amount"))["total"] or 0
        last = entries.order_by("-id").values_list("balance_after", flat=True).first() or 0
        pending = (
            Hold.objects.filter(debit_account=account, status=Hold.Status.PENDING).aggregate(total=Sum("amount"))[
                "total"
            ]
            or 0
        )
        assert (account.balance, account.held) == (total, pending), account
        assert account.balance == last, account
        if account.min_balance is not None:
            assert account.balance - account.held >= account.min_balance, account
        if account.max_balance is not None:
            assert account.balance <= account.max_balance, account

    fund = Account.objects.get(kind=Account.Kind.SYSTEM, system_code=Account.SystemCode.GUARANTEE_FUND, unit="EUR")
    issuance = Account.objects.get(kind=Account.Kind.SYSTEM, system_code=Account.SystemCode.ISSUANCE, unit="ACH")
    assert fund.balance == -issuance.balance > 0

    # Each hold resolved at most once: one capture posting per captured hold, none for the others.
    captured = Hold.objects.filter(status=Hold.Status.CAPTURED)
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == captured.count()
    for hold in captured.select_related("capture_transaction"):
        assert hold.capture_transaction is not None
        assert hold.capture_transaction.idempotency_key == f"hold-capture:{hold.pk}"
        assert 0 < hold.captured_amount <= hold.amount
        legs = sorted(hold.capture_transaction.entries.values_list("account_id", "amount"))
        assert legs == sorted(
            [(hold.debit_account_id, -hold.captured_amount), (hold.credit_account_id, hold.captured_amount)]
        )
    assert not Hold.objects.exclude(status=Hold.Status.CAPTURED).filter(capture_transaction__isnull=False).exists()
    assert not Hold.objects.exclude(status=Hold.Status.PENDING).filter(resolved_at__isnull=True).exists()
    # A transaction is reversed at most once, and the reversal mirrors it.
    for reversal in Transaction.objects.filter(kind=REVERSAL).select_related("reverses"):
        assert reversal.reverses is not None
        mirrored = sorted((a, -x) for a, x in reversal.reverses.entries.values_list("account_id", "amount"))
        assert sorted(reversal.entries.values_list("account_id", "amount")) == mirrored

    report = verify_ledger()
    assert report.ok, [str(d) for d in report.discrepancies]


def summary(run: Run) -> str:
    done = sum(n for code, n in run.counts.items() if not code.startswith("refused:"))
    refused = sum(n for code, n in run.counts.items() if code.startswith("refused:"))
    counts = ", ".join(f"{code}={n}" for code, n in sorted(run.counts.items()))
    return (
        f"bank: {sum(run.counts.values())} operations by {WORKERS} workers in {run.seconds:.1f} s "
        f"({done} done, {refused} refused: {counts}); {run.reads} snapshot reads, {len(run.bad_reads)} unbalanced"
    )


def test_sixteen_writers_and_a_snapshot_reader_never_see_the_books_unbalanced(make_member, django_user_model):
    town = build_town(make_member, django_user_model)

    run = run_bank(town)
    print(summary(run))

    assert run.bad_reads == []
    assert run.reads > 0
    assert run.counts["transfer"] > 0 and run.counts["hold"] > 0
    assert_invariants_hold()
