"""transfer_create: the exact amount moves, and each rule that refuses a transfer. Nothing is written when refused."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from ledger import services
from ledger.errors import (
    InsufficientFunds,
    InvalidAmount,
    LimitExceeded,
    SameAccount,
    UnitMismatch,
)
from ledger.kinds import TRANSFER
from ledger.models import Entry, Transaction
from tests.conftest import account_of
from tests.ledger.services.support import fund_ach, hrs, ledger_state, refresh

pytestmark = pytest.mark.django_db


def test_a_transfer_moves_the_exact_amount_and_records_the_balance_after_each_entry(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")

    first = services.transfer_create(
        from_account=payer, to_account=payee, amount=hrs("2.5"), memo="Jardinage", actor=staff_user
    )
    second = services.transfer_create(from_account=payee, to_account=payer, amount=hrs("1"), actor=None)

    refresh(payer, payee)
    assert (payer.balance, payer.held, payer.available) == (-150, 0, 1850)
    assert (payee.balance, payee.held, payee.available) == (150, 0, 2150)
    assert first.kind_id == TRANSFER
    assert first.memo == "Jardinage"
    assert first.actor == staff_user
    assert second.actor is None
    assert list(first.entries.order_by("id").values_list("account_id", "unit", "amount", "balance_after")) == [
        (payer.pk, "HRS", -250, -250),
        (payee.pk, "HRS", 250, 250),
    ]
    assert list(second.entries.order_by("id").values_list("account_id", "unit", "amount", "balance_after")) == [
        (payee.pk, "HRS", -100, 150),
        (payer.pk, "HRS", 100, -150),
    ]
    assert Transaction.objects.count() == 2
    assert Entry.objects.count() == 4


def test_a_payment_down_to_exactly_the_lower_limit_is_accepted(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")

    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("20"), actor=None)

    refresh(payer, payee)
    assert (payer.balance, payer.available) == (-2000, 0)
    assert payee.balance == 2000


def test_payment_beyond_the_lower_limit_is_refused_and_posts_nothing(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("19.5"), actor=None)
    before = ledger_state()

    with pytest.raises(InsufficientFunds) as refused:
        services.transfer_create(from_account=payer, to_account=payee, amount=hrs("0.51"), actor=None)

    assert refused.value.code == "insufficient_funds"
    assert refused.value.status == 422
    assert ledger_state() == before
    refresh(payer, payee)
    assert (payer.balance, payee.balance) == (-1950, 1950)


def test_payment_in_local_currency_without_funds_is_refused_and_posts_nothing(alice, bruno):
    payer, payee = account_of(alice, "ACH"), account_of(bruno, "ACH")
    fund_ach(payer, "10.00")
    before = ledger_state()

    with pytest.raises(InsufficientFunds):
        services.transfer_create(from_account=payer, to_account=payee, amount=Money("10.01", "ACH"), actor=None)

    assert ledger_state() == before
    refresh(payer, payee)
    assert (payer.balance, payee.balance) == (1000, 0)


def test_payment_beyond_the_payees_upper_limit_is_refused_and_posts_nothing(make_member):
    payee = account_of(make_member(), "HRS")
    for _ in range(5):
        services.transfer_create(
            from_account=account_of(make_member(), "HRS"), to_account=payee, amount=hrs("20"), actor=None
        )
    payee.refresh_from_db()
    assert payee.balance == 10000  # exactly the upper limit of 100 h is allowed
    payer = account_of(make_member(), "HRS")
    before = ledger_state()

    with pytest.raises(LimitExceeded) as refused:
        services.transfer_create(from_account=payer, to_account=payee, amount=hrs("0.01"), actor=None)

    assert refused.value.code == "limit_exceeded"
    assert ledger_state() == before
    refresh(payer, payee)
    assert (payer.balance, payee.balance) == (0, 10000)


def test_transfer_between_accounts_of_different_units_is_refused_and_posts_nothing(alice, bruno):
    hours, grains = account_of(alice, "HRS"), account_of(bruno, "GRN")
    before = ledger_state()

    with pytest.raises(UnitMismatch) as refused:
        services.transfer_create(from_account=hours, to_account=grains, amount=hrs("1"), actor=None)

    assert refused.value.code == "unit_mismatch"
    assert ledger_state() == before


def test_transfer_of_an_amount_in_another_unit_is_refused_and_posts_nothing(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    before = ledger_state()

    with pytest.raises(UnitMismatch):
        services.transfer_create(from_account=payer, to_account=payee, amount=Money("1", "GRN"), actor=None)

    assert ledger_state() == before


def test_transfer_to_the_same_account_is_refused_and_posts_nothing(alice):
    account = account_of(alice, "HRS")
    before = ledger_state()

    with pytest.raises(SameAccount) as refused:
        services.transfer_create(from_account=account, to_account=account, amount=hrs("1"), actor=None)

    assert refused.value.code == "same_account"
    assert ledger_state() == before


@pytest.mark.parametrize("amount", ["0", "0.00", "-1", "-0.01", "1.005", "0.001"])
def test_transfer_of_an_invalid_amount_is_refused_and_posts_nothing(alice, bruno, amount):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    before = ledger_state()

    with pytest.raises(InvalidAmount) as refused:
        services.transfer_create(from_account=payer, to_account=payee, amount=hrs(amount), actor=None)

    assert refused.value.code == "invalid_amount"
    assert ledger_state() == before
