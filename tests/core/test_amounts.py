"""The one amount parser: what it reads, what it refuses, and the one message it refuses with."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from core.amounts import AmountError, AmountField, AmountsInUnitForm, is_duration, parse_amount

NBSP, NNBSP = "\u00a0", "\u202f"

ACCEPTED = [
    ("12", Decimal("12")),
    ("12.50", Decimal("12.50")),
    ("12,50", Decimal("12.50")),
    ("1,5", Decimal("1.5")),
    ("1.5", Decimal("1.5")),
    ("0,01", Decimal("0.01")),
    ("  7  ", Decimal("7")),
    ("1 000,50", Decimal("1000.50")),
    (f"1{NBSP}000,50", Decimal("1000.50")),
    (f"1{NNBSP}000{NNBSP}000", Decimal("1000000")),
    ("1000000", Decimal("1000000")),
]

REFUSED = [
    "1_0",  # Decimal("1_0") is 10
    "\u0661",  # Arabic-Indic one: Decimal and int read it as 1
    "\uff11",  # full-width one
    "\u0967\u0968",  # Devanagari digits
    "1e3",
    "1E3",
    "NaN",
    "Infinity",
    "-5",
    "+5",
    "1,2,3",
    "1.000,50",
    "1,000.50",
    "10 00",  # a group of two digits is not thousands
    "1  000",
    ",5",
    "5,",
    ".",
    "",
    "12 ACH",
    "0x10",
    "1" * 41,
    "1 h 30",  # a duration is not money
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_the_parser_reads_what_french_users_type(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", REFUSED)
def test_the_parser_refuses_anything_but_ascii_digits_and_one_separator(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_a_sign_is_read_only_where_the_field_allows_negatives():
    assert parse_amount("-5,25", negative=True) == Decimal("-5.25")
    with pytest.raises(AmountError):
        parse_amount("+5", negative=True)


def test_at_most_the_units_decimals_are_read_and_trailing_zeros_do_not_count():
    assert parse_amount("12,500", decimals=2) == Decimal("12.50")
    assert parse_amount("12", decimals=0) == Decimal("12")
    for text, decimals in [("12,505", 2), ("1,5", 0)]:
        with pytest.raises(AmountError):
            parse_amount(text, decimals=decimals)


def test_the_api_form_is_a_plain_decimal_with_a_point():
    assert parse_amount("1000.50", localized=False) == Decimal("1000.50")
    for text in ["12,50", "1 000", f"1{NNBSP}000.50", "1 h 30"]:
        with pytest.raises(AmountError):
            parse_amount(text, localized=False)


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("1 h 30", Decimal("1.50")),
        ("1h30", Decimal("1.50")),
        ("1 H 30", Decimal("1.50")),
        (f"1{NBSP}h{NBSP}30", Decimal("1.50")),
        ("1 h", Decimal("1")),
        ("2h", Decimal("2")),
        ("1:30", Decimal("1.50")),
        ("1 h 30 min", Decimal("1.50")),
        ("1 h 20", Decimal("1.33")),
        ("45 min", Decimal("0.75")),
        ("90 min", Decimal("1.50")),
        ("1,5", Decimal("1.5")),
        ("1.25", Decimal("1.25")),
    ],
)
def test_hours_are_also_read_as_durations(text, hours):
    assert parse_amount(text, hours=True) == hours
    assert is_duration(text) == ("h" in text.lower() or ":" in text or "min" in text)


@pytest.mark.parametrize("text", ["1 h 60", "1 h 30 h", "\u0661 h", "h 30", "1 h -5", "-1 h", "1,5 h", "min"])
def test_a_malformed_duration_is_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text, hours=True)


def test_every_refusal_carries_the_same_message_in_french_and_in_english():
    messages = set()
    for language in ("fr", "en"):
        with translation.override(language):
            for text in ["1_0", "\u0661", "1e3", "-5"]:
                with pytest.raises(AmountError) as refused:
                    parse_amount(text)
                messages.add((language, str(refused.value.message)))
            with pytest.raises(forms.ValidationError) as form_error:
                AmountField(hours=True).clean("1 h 75")
            messages.add((language, form_error.value.messages[0]))
    assert messages == {
        ("fr", "Saisissez un montant en chiffres, par exemple «\u00a012.50\u00a0»."),
        ("en", "Enter an amount in digits, such as “12.50”."),
    }


def test_the_form_field_shows_an_amount_back_as_it_reads_it():
    field = AmountField()
    with translation.override("fr"):
        shown = field.prepare_value(Decimal("1234.50"))
        assert shown == "1234,50"
        assert field.clean(shown) == Decimal("1234.50")
    assert AmountField(required=False).clean("  ") is None
    with pytest.raises(forms.ValidationError) as missing:
        field.clean("  ")
    assert missing.value.code == "required"


class _PriceForm(AmountsInUnitForm):
    unit = forms.CharField()
    price = AmountField(hours=True)


@pytest.mark.parametrize(
    ("unit", "price", "expected"),
    [("HRS", "1 h 30", Decimal("1.50")), ("HRS", "1,5", Decimal("1.5")), ("ACH", "1,5", Decimal("1.5"))],
)
def test_a_duration_is_an_amount_when_the_unit_is_hours(unit, price, expected):
    form = _PriceForm({"unit": unit, "price": price})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["price"] == expected


def test_a_duration_is_refused_when_the_unit_is_not_hours():
    form = _PriceForm({"unit": "ACH", "price": "1 h 30"})
    assert not form.is_valid()
    assert form.errors.as_data()["price"][0].code == "invalid"
    assert _PriceForm({"price": "1 h 30"}, unit="GRN").is_valid() is False
    assert _PriceForm({"unit": "ACH", "price": "1 h 30"}, unit="HRS").is_valid() is True
