from decimal import Decimal

import pytest
from djmoney.money import Money

from ledger.units import InvalidAmount, UnitMismatch, get_unit


def test_amounts_convert_to_exact_minor_units():
    hours = get_unit("HRS")
    assert hours.to_minor(Money("1.5", "HRS")) == 150
    assert hours.to_money(150) == Money(Decimal("1.50"), "HRS")


@pytest.mark.parametrize("value", ["1.005", "NaN", "Infinity", "1e309", "abc"])
def test_amounts_the_unit_cannot_represent_are_refused(value):
    with pytest.raises(InvalidAmount):
        get_unit("ACH").to_minor(value)


def test_an_amount_in_another_unit_is_refused():
    with pytest.raises(UnitMismatch):
        get_unit("ACH").to_minor(Money("1", "HRS"))


def test_amounts_display_the_french_way():
    assert get_unit("ACH").format(123450) == "1\u202f234,50 ACH"
    assert get_unit("HRS").format(150) == "1 h 30"
    assert get_unit("HRS").format(-2000) == "−20 h"
