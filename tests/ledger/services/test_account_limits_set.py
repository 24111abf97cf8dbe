"""account_limits_set: limits the current balance already breaks are refused; raised limits apply at once."""

from __future__ import annotations

import pytest

from ledger import services
from ledger.errors import (
    InsufficientFunds,
    LimitExceeded,
)
from tests.conftest import account_of
from tests.ledger.services.support import hrs, ledger_state, refresh

pytestmark = pytest.mark.django_db


def test_limits_the_current_balance_already_breaks_are_refused_and_change_nothing(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("15"), actor=None)
    services.hold_create(from_account=payer, to_account=payee, amount=hrs("2"), actor=None)
    before = ledger_state()

    with pytest.raises(InsufficientFunds):
        # balance − held = −17 h: a lower limit of −16 h would already be broken.
        services.account_limits_set(account=payer, min_balance=-1600, max_balance=10000, actor=staff_user)
    with pytest.raises(LimitExceeded):
        services.account_limits_set(account=payee, min_balance=-2000, max_balance=1499, actor=staff_user)

    assert ledger_state() == before
    refresh(payer, payee)
    assert (payer.min_balance, payer.max_balance) == (-2000, 10000)
    assert (payee.min_balance, payee.max_balance) == (-2000, 10000)


def test_raised_limits_let_an_account_pay_further(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("20"), actor=None)

    updated = services.account_limits_set(account=payer, min_balance=-3000, max_balance=None, actor=staff_user)
    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("10"), actor=None)

    assert (updated.min_balance, updated.max_balance) == (-3000, None)
    refresh(payer, payee)
    assert (payer.balance, payer.available) == (-3000, 0)
    assert payee.balance == 3000


def test_limits_at_exactly_the_current_balance_are_accepted(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("15"), actor=None)

    services.account_limits_set(account=payer, min_balance=-1500, max_balance=0, actor=staff_user)
    services.account_limits_set(account=payee, min_balance=0, max_balance=1500, actor=staff_user)

    refresh(payer, payee)
    assert (payer.min_balance, payer.max_balance, payer.available) == (-1500, 0, 0)
    assert (payee.min_balance, payee.max_balance, payee.available) == (0, 1500, 1500)
