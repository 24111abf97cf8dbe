"""account_status_set: a frozen or closed account neither pays nor is paid; closing needs a zero balance.

Nothing is written when refused.
"""

from __future__ import annotations

import pytest

from ledger import services
from ledger.errors import (
    AccountClosed,
    AccountFrozen,
)
from ledger.models import Account
from tests.conftest import account_of
from tests.ledger.services.support import hrs, ledger_state, refresh

pytestmark = pytest.mark.django_db


def test_a_frozen_account_can_neither_pay_nor_be_paid_and_nothing_is_posted(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("3"), actor=None)
    services.account_status_set(account=payer, status=Account.Status.FROZEN, actor=staff_user)
    before = ledger_state()

    with pytest.raises(AccountFrozen) as refused:
        services.transfer_create(from_account=payer, to_account=payee, amount=hrs("1"), actor=None)
    with pytest.raises(AccountFrozen):
        services.transfer_create(from_account=payee, to_account=payer, amount=hrs("1"), actor=None)

    assert refused.value.code == "account_frozen"
    assert ledger_state() == before
    refresh(payer, payee)
    assert (payer.balance, payee.balance) == (-300, 300)


def test_an_unfrozen_account_pays_again(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.account_status_set(account=payer, status=Account.Status.FROZEN, actor=staff_user)

    services.account_status_set(account=payer, status=Account.Status.OPEN, actor=staff_user)
    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("1"), actor=None)

    refresh(payer, payee)
    assert (payer.status, payer.balance, payee.balance) == (Account.Status.OPEN, -100, 100)


def test_a_closed_account_can_neither_pay_nor_be_paid_and_nothing_is_posted(alice, bruno, staff_user):
    closed, other = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.account_status_set(account=closed, status=Account.Status.CLOSED, actor=staff_user)
    before = ledger_state()

    with pytest.raises(AccountClosed) as refused:
        services.transfer_create(from_account=other, to_account=closed, amount=hrs("1"), actor=None)
    with pytest.raises(AccountClosed):
        services.transfer_create(from_account=closed, to_account=other, amount=hrs("1"), actor=None)

    assert refused.value.code == "account_closed"
    assert ledger_state() == before


def test_an_account_with_a_balance_cannot_be_closed(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("1"), actor=None)
    before = ledger_state()

    with pytest.raises(AccountClosed):
        services.account_status_set(account=payee, status=Account.Status.CLOSED, actor=staff_user)

    assert ledger_state() == before
    payee.refresh_from_db()
    assert payee.status == Account.Status.OPEN


def test_a_closed_account_cannot_be_reopened(alice, staff_user):
    account = account_of(alice, "HRS")
    services.account_status_set(account=account, status=Account.Status.CLOSED, actor=staff_user)

    with pytest.raises(AccountClosed):
        services.account_status_set(account=account, status=Account.Status.OPEN, actor=staff_user)

    account.refresh_from_db()
    assert account.status == Account.Status.CLOSED
