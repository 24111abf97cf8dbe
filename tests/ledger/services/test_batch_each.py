"""The batch path of the jobs: transactions_post_batch_each (refusals one by one), a batch's kind
and memo code, and many holds captured or voided at once (holds_capture_batch, holds_void_batch)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from djmoney.money import Money

from crowdfunding.memos import PLEDGE_COLLECTED
from ledger import memos, services
from ledger.errors import (
    AccountFrozen,
    HoldAlreadyResolved,
    HoldExpired,
    IdempotencyKeyReused,
    InsufficientFunds,
    MembershipExpired,
)
from ledger.kinds import HOLD_CAPTURE, POSTING
from ledger.models import Account, Entry, Hold, Transaction
from ledger.verification import verify_ledger
from tests.conftest import account_of, requires_postgresql
from tests.factories import fund


def ach(amount: str) -> Money:
    return Money(amount, "ACH")


def state() -> tuple:
    accounts = tuple(Account.objects.order_by("id").values_list("id", "balance", "held"))
    holds = tuple(Hold.objects.order_by("id").values_list("id", "status", "captured_amount"))
    return Transaction.objects.count(), Entry.objects.count(), accounts, holds


def pay(payer: Account, payee: Account, amount: str, key: str) -> services.BatchTransfer:
    return services.BatchTransfer(
        from_account_id=payer.pk, to_account_id=payee.pk, amount=ach(amount), idempotency_key=key
    )


@pytest.fixture
def four(make_member):
    accounts = [account_of(make_member(), "ACH") for _ in range(4)]
    for account in accounts:
        fund(account, "10")
    return accounts


def balances(*accounts: Account) -> list[tuple[int, int]]:
    return [(a.balance, a.held) for a in Account.objects.filter(pk__in=[a.pk for a in accounts]).order_by("id")]


@pytest.mark.django_db
def test_each_posts_what_the_rules_allow_and_answers_every_refusal_in_its_place(four, make_member):
    a, b, c, d = four
    services.account_status_set(account=c, status=Account.Status.FROZEN, actor=None)
    lapsed = make_member()
    lapsed_account = account_of(lapsed, "ACH")
    fund(lapsed_account, "5")
    lapsed.membership_expires_on = timezone.localdate() - datetime.timedelta(days=1)
    lapsed.save(update_fields=["membership_expires_on"])

    outcomes = services.transactions_post_batch_each(
        transfers=[
            pay(a, b, "4", "k1"),
            pay(a, b, "7", "k2"),  # 6 left after k1: refused, and k3 still sees those 6
            pay(a, d, "6", "k3"),
            pay(c, d, "1", "k4"),  # frozen payer
            pay(lapsed_account, d, "1", "k5"),
            pay(b, c, "1", "k6"),  # frozen payee
        ],
        actor=None,
    )

    assert [type(outcome) for outcome in outcomes] == [
        Transaction,
        InsufficientFunds,
        Transaction,
        AccountFrozen,
        MembershipExpired,
        AccountFrozen,
    ]
    assert sorted(
        Transaction.objects.filter(idempotency_key__startswith="k").values_list("idempotency_key", flat=True)
    ) == [
        "k1",
        "k3",
    ]
    assert balances(a, b, c, d) == [(0, 0), (1400, 0), (1000, 0), (1600, 0)]
    assert list(Entry.objects.filter(account=a).order_by("id").values_list("balance_after", flat=True))[-2:] == [600, 0]
    assert verify_ledger().discrepancies == []

    # Run again: the posted ones answer with their transactions, nothing is written twice.
    before = state()
    again = services.transactions_post_batch_each(
        transfers=[pay(a, b, "4", "k1"), pay(a, d, "6", "k3"), pay(b, d, "1", "k2")], actor=None
    )
    assert [outcome.pk for outcome in again[:2]] == [outcomes[0].pk, outcomes[2].pk]
    assert isinstance(again[2], Transaction)  # k2 was refused, not posted: it posts now
    assert balances(b, d) == [(1300, 0), (1700, 0)]
    before = state()
    reused = services.transactions_post_batch_each(transfers=[pay(a, d, "5", "k1")], actor=None)
    assert isinstance(reused[0], IdempotencyKeyReused)
    assert state() == before


@pytest.mark.django_db
def test_the_all_or_nothing_batch_still_refuses_whole(four):
    a, b, _, _ = four
    before = state()
    with pytest.raises(InsufficientFunds):
        services.transactions_post_batch(transfers=[pay(a, b, "4", "x1"), pay(a, b, "7", "x2")], actor=None)
    assert state() == before


@pytest.mark.django_db
def test_a_batch_of_another_kind_stores_its_kind_and_memo_code(four):
    a, b, _, _ = four
    memo = memos.memo(PLEDGE_COLLECTED, title="Le four à pain", id=7)
    [txn] = services.transactions_post_batch(
        transfers=[
            services.BatchTransfer(
                from_account_id=a.pk, to_account_id=b.pk, amount=ach("2"), memo=memo, idempotency_key="m1"
            )
        ],
        actor=None,
        kind=POSTING,
        check_membership=False,
    )
    stored = Transaction.objects.get(pk=txn.pk)
    assert (stored.kind_id, stored.memo_code, stored.memo_params) == (POSTING, PLEDGE_COLLECTED, memo.params)
    assert stored.memo == memo.stored_text()
    assert verify_ledger().discrepancies == []


def _hold(payer: Account, payee: Account, amount: str, **extra) -> Hold:
    return services.hold_create(from_account=payer, to_account=payee, amount=ach(amount), actor=None, **extra)


@pytest.mark.django_db
def test_holds_capture_batch_captures_once_in_full_or_in_part_and_answers_each_refusal(four):
    a, b, c, d = four
    full = _hold(a, d, "3")
    part = _hold(b, d, "4")
    voided = _hold(c, d, "1")
    services.hold_void(hold=voided, actor=None, flow=True)
    expiring = _hold(c, d, "2", expires_at=timezone.now() + datetime.timedelta(seconds=30))
    Hold.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    frozen_payer = _hold(c, d, "1")
    services.account_status_set(account=c, status=Account.Status.FROZEN, actor=None)

    outcomes = services.holds_capture_batch(
        captures=[
            services.HoldCapture(hold_id=full.pk),
            services.HoldCapture(hold_id=part.pk, amount=250),
            services.HoldCapture(hold_id=voided.pk),
            services.HoldCapture(hold_id=expiring.pk),
            services.HoldCapture(hold_id=frozen_payer.pk),
        ],
        actor=None,
    )

    assert [type(outcome) for outcome in outcomes] == [Hold, Hold, HoldAlreadyResolved, HoldExpired, AccountFrozen]
    assert balances(a, b, c, d) == [(700, 0), (750, 0), (1000, 300), (1550, 0)]
    rows = {h.pk: h for h in Hold.objects.all()}
    assert (rows[full.pk].status, rows[full.pk].captured_amount) == (Hold.Status.CAPTURED, 300)
    assert (rows[part.pk].status, rows[part.pk].captured_amount) == (Hold.Status.CAPTURED, 250)
    assert rows[expiring.pk].status == Hold.Status.PENDING  # left for the sweep
    assert rows[frozen_payer.pk].status == Hold.Status.PENDING
    captured = Transaction.objects.get(idempotency_key=f"hold-capture:{full.pk}")
    assert captured.kind_id == HOLD_CAPTURE and rows[full.pk].capture_transaction_id == captured.pk
    assert verify_ledger().discrepancies == []

    # A rerun (the job died after its commit) and a single capture afterwards write nothing.
    before = state()
    again = services.holds_capture_batch(captures=[services.HoldCapture(hold_id=full.pk)], actor=None)
    assert again[0].capture_transaction_id == captured.pk
    with pytest.raises(HoldAlreadyResolved):
        services.hold_capture(hold=rows[part.pk], actor=None, flow=True)
    assert state() == before


@pytest.mark.django_db
def test_a_hold_captured_alone_first_is_answered_by_the_batch_without_a_second_posting(four):
    a, _, _, d = four
    hold = _hold(a, d, "3")
    services.hold_capture(hold=hold, actor=None, flow=True)
    before = state()
    [outcome] = services.holds_capture_batch(captures=[services.HoldCapture(hold_id=hold.pk)], actor=None)
    assert isinstance(outcome, Hold) and outcome.status == Hold.Status.CAPTURED
    assert state() == before


@pytest.mark.django_db
def test_holds_void_batch_releases_each_pending_hold_once(four):
    a, b, _, d = four
    first, second, other = _hold(a, d, "3"), _hold(a, d, "2"), _hold(b, d, "1")
    services.hold_capture(hold=other, actor=None, flow=True)

    outcomes = services.holds_void_batch(hold_ids=[first.pk, second.pk, other.pk], actor=None)

    assert [type(outcome) for outcome in outcomes] == [Hold, Hold, HoldAlreadyResolved]
    assert balances(a, b) == [(1000, 0), (900, 0)]
    assert set(Hold.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        Hold.Status.VOIDED
    }
    before = state()
    again = services.holds_void_batch(hold_ids=[first.pk], actor=None)
    assert isinstance(again[0], Hold) and state() == before


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_committed_batch_of_captures_passes_the_deferred_triggers(four):
    a, b, c, d = four
    holds = [_hold(payer, d, "1") for payer in (a, b, c) for _ in range(3)]
    outcomes = services.holds_capture_batch(
        captures=[services.HoldCapture(hold_id=hold.pk) for hold in holds], actor=None
    )
    assert all(isinstance(outcome, Hold) for outcome in outcomes)
    assert balances(a, b, c, d) == [(700, 0), (700, 0), (700, 0), (1900, 0)]
    assert verify_ledger().discrepancies == []
