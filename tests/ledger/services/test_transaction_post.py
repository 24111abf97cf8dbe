"""transaction_post: multi-leg, multi-unit postings, balanced per unit or refused whole (nothing written)."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from currency.kinds import CONVERSION
from ledger import services
from ledger.errors import (
    InsufficientFunds,
    InvalidAmount,
    SameAccount,
    UnbalancedTransaction,
    UnitMismatch,
)
from ledger.models import Account, Entry, Transaction
from tests.conftest import account_of
from tests.ledger.services.support import fund_ach, hrs, ledger_state, refresh

pytestmark = pytest.mark.django_db


def test_a_conversion_posts_four_entries_in_two_units_each_summing_to_zero(alice):
    member = account_of(alice, "ACH")

    txn = fund_ach(member, "50.00")

    world = services.system_account(Account.SystemCode.WORLD, "EUR")
    fund = services.system_account(Account.SystemCode.GUARANTEE_FUND, "EUR")
    issuance = services.system_account(Account.SystemCode.ISSUANCE, "ACH")
    member.refresh_from_db()
    assert (world.balance, fund.balance, issuance.balance, member.balance) == (-5000, 5000, -5000, 5000)
    assert fund.balance == -issuance.balance  # every ACH is backed by a euro
    assert txn.kind_id == CONVERSION
    assert sorted(txn.entries.values_list("account_id", "unit", "amount", "balance_after")) == sorted(
        [
            (world.pk, "EUR", -5000, -5000),
            (fund.pk, "EUR", 5000, 5000),
            (issuance.pk, "ACH", -5000, -5000),
            (member.pk, "ACH", 5000, 5000),
        ]
    )


def test_system_account_is_opened_once_and_found_afterwards():
    first = services.system_account(Account.SystemCode.FEES, "EUR")
    second = services.system_account(Account.SystemCode.FEES, "EUR")

    assert first.pk == second.pk
    assert (first.kind, first.min_balance, first.max_balance) == (Account.Kind.SYSTEM, 0, None)
    assert Account.objects.filter(kind=Account.Kind.SYSTEM, system_code="fees", unit="EUR").count() == 1


@pytest.mark.parametrize(
    ("eur", "ach"),
    [
        (("-50", "50"), ("-50", "40")),  # ACH legs do not balance
        (("-50", "40"), ("-50", "60")),  # the total is zero, but not per unit
    ],
)
def test_an_unbalanced_posting_is_refused_and_posts_nothing(alice, eur, ach):
    before = ledger_state()

    with pytest.raises(UnbalancedTransaction) as refused:
        services.transaction_post(
            legs=[
                (services.system_account(Account.SystemCode.WORLD, "EUR"), Money(eur[0], "EUR")),
                (services.system_account(Account.SystemCode.GUARANTEE_FUND, "EUR"), Money(eur[1], "EUR")),
                (services.system_account(Account.SystemCode.ISSUANCE, "ACH"), Money(ach[0], "ACH")),
                (account_of(alice, "ACH"), Money(ach[1], "ACH")),
            ],
            actor=None,
        )

    assert refused.value.code == "unbalanced"
    assert Transaction.objects.count() == before[0]
    assert Entry.objects.count() == before[1]
    assert set(Account.objects.values_list("balance", flat=True)) == {0}


def test_a_posting_of_a_single_leg_is_refused(alice):
    before = ledger_state()

    with pytest.raises(UnbalancedTransaction):
        services.transaction_post(legs=[(account_of(alice, "HRS"), hrs("1"))], actor=None)

    assert ledger_state() == before


def test_a_leg_in_another_unit_than_its_account_is_refused_and_posts_nothing(alice, bruno):
    before = ledger_state()

    with pytest.raises(UnitMismatch):
        services.transaction_post(
            legs=[(account_of(alice, "HRS"), Money("-1", "GRN")), (account_of(bruno, "GRN"), Money("1", "GRN"))],
            actor=None,
        )

    assert ledger_state() == before


def test_a_posting_with_a_zero_leg_is_refused(alice, bruno, make_member):
    before = ledger_state()

    with pytest.raises(InvalidAmount):
        services.transaction_post(
            legs=[
                (account_of(alice, "HRS"), hrs("-1")),
                (account_of(bruno, "HRS"), hrs("1")),
                (account_of(make_member(), "HRS"), hrs("0")),
            ],
            actor=None,
        )

    assert Transaction.objects.count() == before[0]
    assert Entry.objects.count() == before[1]


def test_a_posting_refused_on_one_leg_writes_none_of_its_legs(alice, bruno, make_member):
    rich, poor, payee = account_of(alice, "HRS"), account_of(bruno, "HRS"), account_of(make_member(), "HRS")
    services.transfer_create(from_account=poor, to_account=rich, amount=hrs("19"), actor=None)
    before = ledger_state()

    with pytest.raises(InsufficientFunds):
        services.transaction_post(
            legs=[(rich, hrs("-2")), (poor, hrs("-2")), (payee, hrs("4"))],
            actor=None,
        )

    assert ledger_state() == before
    refresh(rich, poor, payee)
    assert (rich.balance, poor.balance, payee.balance) == (1900, -1900, 0)


def test_a_posting_naming_one_account_twice_is_refused_and_posts_nothing(alice, bruno):
    # Found by the state machine (tests/proofs): −0.01 then +0.01 on an ACH account at 0 nets to
    # nothing, yet its first entry's balance_after would read −0.01, under the account's floor.
    account = account_of(alice, "ACH")
    with pytest.raises(SameAccount):
        services.transaction_post(legs=[(account, -Money("0.01", "ACH")), (account, Money("0.01", "ACH"))], actor=None)
    with pytest.raises(SameAccount):
        services.transaction_post(
            legs=[
                (account, -Money("1", "ACH")),
                (account_of(bruno, "ACH"), Money("2", "ACH")),
                (account, -Money("1", "ACH")),
            ],
            actor=None,
        )
    account.refresh_from_db()
    assert (account.balance, Transaction.objects.count(), Entry.objects.count()) == (0, 0, 0)
