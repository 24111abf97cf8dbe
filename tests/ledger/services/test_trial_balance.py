"""The trial balance sums to zero in every unit."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from ledger import services
from ledger.selectors import trial_balance
from tests.conftest import account_of
from tests.ledger.services.support import fund_ach, hrs

pytestmark = pytest.mark.django_db


def test_the_trial_balance_sums_to_zero_in_every_unit(alice, bruno, make_member):
    third = make_member()
    services.transfer_create(
        from_account=account_of(alice, "HRS"), to_account=account_of(bruno, "HRS"), amount=hrs("3"), actor=None
    )
    services.transfer_create(
        from_account=account_of(alice, "HRS"), to_account=account_of(third, "HRS"), amount=hrs("1.5"), actor=None
    )
    services.transfer_create(
        from_account=account_of(bruno, "GRN"),
        to_account=account_of(third, "GRN"),
        amount=Money("12.34", "GRN"),
        actor=None,
    )
    fund_ach(account_of(alice, "ACH"), "20")
    services.transfer_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bruno, "ACH"),
        amount=Money("7.5", "ACH"),
        actor=None,
    )

    lines = {line.unit: line for line in trial_balance()}

    assert set(lines) == {"EUR", "ACH", "HRS", "GRN", "CRJ", "CRH"}
    assert {unit: line.difference for unit, line in lines.items()} == {
        "EUR": 0,
        "ACH": 0,
        "HRS": 0,
        "GRN": 0,
        "CRJ": 0,
        "CRH": 0,
    }
    assert (lines["HRS"].debit_balances, lines["HRS"].credit_balances, lines["HRS"].accounts) == (450, 450, 3)
    assert (lines["GRN"].debit_balances, lines["GRN"].credit_balances, lines["GRN"].accounts) == (1234, 1234, 3)
    assert (lines["ACH"].debit_balances, lines["ACH"].credit_balances, lines["ACH"].accounts) == (2000, 2000, 4)
    assert (lines["EUR"].debit_balances, lines["EUR"].credit_balances, lines["EUR"].accounts) == (2000, 2000, 2)
