"""Who may resolve a hold, decided by the hold services themselves: refused, nothing is written."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from core.errors import PermissionDenied
from ledger import services
from ledger.models import Account, Entry, Hold, Transaction
from tests.conftest import account_of

pytestmark = pytest.mark.django_db


def hrs(amount: str) -> Money:
    return Money(amount, "HRS")


def ledger_state() -> tuple:
    accounts = tuple(Account.objects.order_by("id").values_list("id", "balance", "held"))
    holds = tuple(Hold.objects.order_by("id").values_list("id", "status", "captured_amount", "resolved_at"))
    return Transaction.objects.count(), Entry.objects.count(), accounts, holds


@pytest.fixture
def alice(make_member):
    return make_member(username="alice")


@pytest.fixture
def bruno(make_member):
    return make_member(username="bruno")


@pytest.fixture
def hold(alice, bruno) -> Hold:
    return services.hold_create(
        from_account=account_of(alice, "HRS"), to_account=account_of(bruno, "HRS"), amount=hrs("2"), actor=None
    )


def test_the_payee_may_not_capture_a_hold_and_nothing_is_written(hold, bruno):
    before = ledger_state()

    with pytest.raises(PermissionDenied) as refused:
        services.hold_capture(hold=hold, actor=bruno.user)

    assert refused.value.code == "permission_denied"
    assert ledger_state() == before


def test_the_payer_may_not_void_a_hold_and_nothing_is_written(hold, alice):
    before = ledger_state()

    with pytest.raises(PermissionDenied) as refused:
        services.hold_void(hold=hold, actor=alice.user)

    assert refused.value.code == "permission_denied"
    assert ledger_state() == before


def test_a_stranger_may_neither_capture_nor_void_a_hold(hold, make_member):
    stranger = make_member(username="chloe")
    before = ledger_state()

    with pytest.raises(PermissionDenied):
        services.hold_capture(hold=hold, actor=stranger.user)
    with pytest.raises(PermissionDenied):
        services.hold_void(hold=hold, actor=stranger.user)

    assert ledger_state() == before


def test_a_hold_towards_a_system_account_is_refused_to_its_payer_and_to_staff(alice, staff_user):
    escrow = services.system_account(Account.SystemCode.ESCROW, "HRS", reference="campaign-1")
    hold = services.hold_create(from_account=account_of(alice, "HRS"), to_account=escrow, amount=hrs("1"), actor=None)
    before = ledger_state()

    for actor in (alice.user, staff_user):
        with pytest.raises(PermissionDenied):
            services.hold_capture(hold=hold, actor=actor)
        with pytest.raises(PermissionDenied):
            services.hold_void(hold=hold, actor=actor)

    assert ledger_state() == before
    assert services.hold_void(hold=hold, actor=alice.user, flow=True).status == Hold.Status.VOIDED


def test_the_payer_captures_and_the_payee_voids(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    first = services.hold_create(from_account=payer, to_account=payee, amount=hrs("1"), actor=None)
    second = services.hold_create(from_account=payer, to_account=payee, amount=hrs("1"), actor=None)

    assert services.hold_capture(hold=first, actor=alice.user).status == Hold.Status.CAPTURED
    assert services.hold_void(hold=second, actor=bruno.user).status == Hold.Status.VOIDED
