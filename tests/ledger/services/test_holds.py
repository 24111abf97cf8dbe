"""Holds: hold_create reserves, hold_capture posts in full or in part, hold_void releases, due holds expire once.

Nothing is written when refused.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import InvalidInput
from ledger import services
from ledger.errors import (
    AccountFrozen,
    HoldAlreadyResolved,
    InsufficientFunds,
    InvalidAmount,
    LimitExceeded,
)
from ledger.kinds import HOLD_CAPTURE
from ledger.models import Account, Hold, Transaction
from tests.conftest import account_of
from tests.ledger.services.support import hrs, ledger_state, refresh

pytestmark = pytest.mark.django_db


def test_a_hold_raises_held_and_lowers_what_the_payer_can_still_pay(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")

    hold = services.hold_create(from_account=payer, to_account=payee, amount=hrs("5"), memo="Cours", actor=None)

    refresh(payer, payee)
    assert (hold.status, hold.amount, hold.unit, hold.memo) == (Hold.Status.PENDING, 500, "HRS", "Cours")
    assert (payer.balance, payer.held, payer.available) == (0, 500, 1500)
    assert (payee.balance, payee.held) == (0, 0)
    assert Transaction.objects.count() == 0


def test_a_payment_beyond_what_a_hold_leaves_available_is_refused_and_posts_nothing(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.hold_create(from_account=payer, to_account=payee, amount=hrs("5"), actor=None)
    before = ledger_state()

    with pytest.raises(InsufficientFunds):
        services.transfer_create(from_account=payer, to_account=payee, amount=hrs("15.01"), actor=None)

    assert ledger_state() == before
    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("15"), actor=None)
    payer.refresh_from_db()
    assert (payer.balance, payer.held, payer.available) == (-1500, 500, 0)


def test_a_hold_beyond_what_is_available_is_refused_and_holds_nothing(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.hold_create(from_account=payer, to_account=payee, amount=hrs("12"), actor=None)
    before = ledger_state()

    with pytest.raises(InsufficientFunds):
        services.hold_create(from_account=payer, to_account=payee, amount=hrs("8.01"), actor=None)

    assert ledger_state() == before
    assert Hold.objects.count() == 1
    payer.refresh_from_db()
    assert (payer.held, payer.available) == (1200, 800)


def test_a_hold_on_a_frozen_account_is_refused(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.account_status_set(account=payer, status=Account.Status.FROZEN, actor=staff_user)
    before = ledger_state()

    with pytest.raises(AccountFrozen):
        services.hold_create(from_account=payer, to_account=payee, amount=hrs("1"), actor=None)

    assert ledger_state() == before


def test_a_hold_with_an_expiry_in_the_past_is_refused(alice, bruno):
    before = ledger_state()

    with pytest.raises(InvalidInput) as refused:
        services.hold_create(
            from_account=account_of(alice, "HRS"),
            to_account=account_of(bruno, "HRS"),
            amount=hrs("1"),
            actor=None,
            expires_at=timezone.now() - timedelta(minutes=1),
        )

    assert refused.value.fields == {"expires_at": ["Doit être dans le futur."]}
    assert ledger_state() == before


def test_a_captured_hold_posts_its_full_amount_and_releases_it(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    hold = services.hold_create(from_account=payer, to_account=payee, amount=hrs("5"), memo="Cours", actor=None)

    captured = services.hold_capture(hold=hold, actor=staff_user)

    refresh(payer, payee)
    assert (payer.balance, payer.held, payer.available) == (-500, 0, 1500)
    assert (payee.balance, payee.held) == (500, 0)
    assert (captured.status, captured.captured_amount, captured.resolved_by) == (Hold.Status.CAPTURED, 500, staff_user)
    txn = captured.capture_transaction
    assert (txn.kind_id, txn.memo) == (HOLD_CAPTURE, "Cours")
    assert list(txn.entries.order_by("id").values_list("account_id", "amount", "balance_after")) == [
        (payer.pk, -500, -500),
        (payee.pk, 500, 500),
    ]


def test_a_partially_captured_hold_posts_that_amount_and_releases_the_rest(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    hold = services.hold_create(from_account=payer, to_account=payee, amount=hrs("5"), actor=None)

    captured = services.hold_capture(hold=hold, actor=None, amount=hrs("2"))

    refresh(payer, payee)
    assert (payer.balance, payer.held, payer.available) == (-200, 0, 1800)
    assert payee.balance == 200
    assert (captured.status, captured.amount, captured.captured_amount) == (Hold.Status.CAPTURED, 500, 200)
    assert list(captured.capture_transaction.entries.values_list("amount", flat=True).order_by("id")) == [-200, 200]


@pytest.mark.parametrize("amount", ["0", "-1", "5.01", "1.001"])
def test_capturing_an_invalid_amount_of_a_hold_is_refused_and_keeps_it_pending(alice, bruno, amount):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    hold = services.hold_create(from_account=payer, to_account=payee, amount=hrs("5"), actor=None)
    before = ledger_state()

    with pytest.raises(InvalidAmount):
        services.hold_capture(hold=hold, actor=None, amount=hrs(amount))

    assert ledger_state() == before
    hold.refresh_from_db()
    assert hold.status == Hold.Status.PENDING


def test_a_capture_that_would_take_the_payee_above_its_limit_is_refused_and_keeps_the_hold(make_member):
    payee = account_of(make_member(), "HRS")
    for _ in range(5):
        services.transfer_create(
            from_account=account_of(make_member(), "HRS"), to_account=payee, amount=hrs("19.5"), actor=None
        )
    payer = account_of(make_member(), "HRS")
    hold = services.hold_create(from_account=payer, to_account=payee, amount=hrs("3"), actor=None)
    before = ledger_state()

    with pytest.raises(LimitExceeded):
        services.hold_capture(hold=hold, actor=None)

    assert ledger_state() == before
    services.hold_capture(hold=hold, actor=None, amount=hrs("2.5"))
    refresh(payer, payee)
    assert (payer.balance, payer.held, payee.balance) == (-250, 0, 10000)


def test_a_voided_hold_releases_its_amount_and_posts_nothing(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    hold = services.hold_create(from_account=payer, to_account=payee, amount=hrs("5"), actor=None)

    voided = services.hold_void(hold=hold, actor=staff_user)

    refresh(payer, payee)
    assert (payer.balance, payer.held, payer.available) == (0, 0, 2000)
    assert payee.balance == 0
    assert (voided.status, voided.captured_amount, voided.resolved_by) == (Hold.Status.VOIDED, 0, staff_user)
    assert voided.resolved_at is not None
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize("first", ["capture", "void", "expire"])
@pytest.mark.parametrize("second", ["capture", "void"])
def test_a_resolved_hold_cannot_be_resolved_again_and_nothing_is_written(alice, bruno, first, second):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    hold = services.hold_create(
        from_account=payer,
        to_account=payee,
        amount=hrs("5"),
        actor=None,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    if first == "capture":
        services.hold_capture(hold=hold, actor=None)
    elif first == "void":
        services.hold_void(hold=hold, actor=None)
    else:
        assert services.hold_expire(hold_id=hold.pk, now=timezone.now() + timedelta(hours=2)) is True
    before = ledger_state()

    with pytest.raises(HoldAlreadyResolved) as refused:
        if second == "capture":
            services.hold_capture(hold=hold, actor=None)
        else:
            services.hold_void(hold=hold, actor=None)

    # Capturing an expired hold names why: the same answer as a capture that finds it past its expiry.
    expected = "hold_expired" if (first, second) == ("expire", "capture") else "hold_resolved"
    assert refused.value.code == expected
    assert ledger_state() == before
    assert services.hold_expire(hold_id=hold.pk, now=timezone.now() + timedelta(days=1)) is False
    assert ledger_state() == before


def test_a_hold_expires_once_at_its_deadline(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    deadline = timezone.now() + timedelta(hours=1)
    hold = services.hold_create(from_account=payer, to_account=payee, amount=hrs("5"), actor=None, expires_at=deadline)

    assert services.hold_expire(hold_id=hold.pk, now=deadline - timedelta(seconds=1)) is False
    payer.refresh_from_db()
    assert payer.held == 500
    assert services.hold_expire(hold_id=hold.pk, now=deadline) is True
    assert services.hold_expire(hold_id=hold.pk, now=deadline) is False

    hold.refresh_from_db()
    refresh(payer, payee)
    assert (hold.status, hold.captured_amount, hold.resolved_by) == (Hold.Status.EXPIRED, 0, None)
    assert (payer.balance, payer.held, payer.available) == (0, 0, 2000)
    assert payee.balance == 0
    assert Transaction.objects.count() == 0


def test_expiring_due_holds_twice_expires_each_once_and_leaves_the_others(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    now = timezone.now()
    due_soon = services.hold_create(
        from_account=payer, to_account=payee, amount=hrs("1"), actor=None, expires_at=now + timedelta(hours=1)
    )
    due_later = services.hold_create(
        from_account=payer, to_account=payee, amount=hrs("2"), actor=None, expires_at=now + timedelta(hours=2)
    )
    not_due = services.hold_create(
        from_account=payer, to_account=payee, amount=hrs("4"), actor=None, expires_at=now + timedelta(days=2)
    )
    no_deadline = services.hold_create(from_account=payer, to_account=payee, amount=hrs("8"), actor=None)
    payer.refresh_from_db()
    assert payer.held == 1500

    assert services.holds_expire_due(now=now + timedelta(hours=3)) == 2
    assert services.holds_expire_due(now=now + timedelta(hours=3)) == 0

    statuses = dict(Hold.objects.values_list("id", "status"))
    assert statuses == {
        due_soon.pk: Hold.Status.EXPIRED,
        due_later.pk: Hold.Status.EXPIRED,
        not_due.pk: Hold.Status.PENDING,
        no_deadline.pk: Hold.Status.PENDING,
    }
    payer.refresh_from_db()
    assert (payer.balance, payer.held, payer.available) == (0, 1200, 800)
    assert Transaction.objects.count() == 0


def test_expiring_due_holds_works_through_several_batches(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    now = timezone.now()
    for minutes in range(1, 8):
        services.hold_create(
            from_account=payer,
            to_account=payee,
            amount=hrs("1"),
            actor=None,
            expires_at=now + timedelta(minutes=minutes),
        )

    assert services.holds_expire_due(now=now + timedelta(hours=1), batch_size=3) == 7

    payer.refresh_from_db()
    assert payer.held == 0
    assert set(Hold.objects.values_list("status", flat=True)) == {Hold.Status.EXPIRED}
