"""The one amount input and the one date input of core, and numbers and dates written in the
reader's language (core.l10n, Unit.format, the long_date filter)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from babel.numbers import format_decimal
from django import forms
from django.template import Context, Template
from django.utils import translation

from core.amounts import AmountError, AmountField, AmountsInUnitForm, parse_amount
from core.dates import DateField
from core.l10n import format_euros, format_long_date, format_number
from ledger.units import get_unit

NBSP, NNBSP = "\u00a0", "\u202f"
FRENCH_ERROR = "Saisissez un montant en chiffres, par exemple «\u00a012.50\u00a0»."
ENGLISH_ERROR = "Enter an amount in digits, such as “12.50”."


# --- the parser, as every form reads it ---------------------------------------------------------

PARSED = [
    # (typed, options, value): French and English ways of typing, euros and units, hours
    ("1 234,50", {}, Decimal("1234.50")),
    ("1234.50", {}, Decimal("1234.50")),
    ("1 234,5", {}, Decimal("1234.5")),
    (f"1{NBSP}234,50", {}, Decimal("1234.50")),
    (f"1{NNBSP}234,50", {}, Decimal("1234.50")),
    ("12 €", {}, Decimal("12")),
    ("12€", {}, Decimal("12")),
    ("12,50 €", {}, Decimal("12.50")),
    ("1 234,50 ACH", {"suffixes": ("€", "ACH")}, Decimal("1234.50")),
    ("7 ach", {"suffixes": ("€", "ACH")}, Decimal("7")),
    ("1 h 30", {"hours": True}, Decimal("1.50")),
    ("1h30", {"hours": True}, Decimal("1.50")),
    ("1:30", {"hours": True}, Decimal("1.50")),
    ("1 h 30 min", {"hours": True}, Decimal("1.50")),
    ("1,5", {"hours": True}, Decimal("1.5")),
    ("-5,25", {"negative": True}, Decimal("-5.25")),
]


@pytest.mark.parametrize(("text", "options", "expected"), PARSED)
def test_the_parser_reads_french_and_english_typing_units_and_hours(text, options, expected):
    assert parse_amount(text, **options) == expected


REFUSED = [
    ("1,2,3", {}),
    ("abc", {}),
    ("-5", {}),  # negative where refused
    ("12,505", {"decimals": 2}),  # too many decimals
    ("1,5", {"decimals": 0}),
    ("12 ACH", {}),  # a unit's code only where the field names that unit
    ("12 € €", {}),
    ("€", {}),
    ("12 €", {"suffixes": ()}),  # hours take no euro sign
    ("1 h 30", {}),
    ("1 h 60", {"hours": True}),
    ("12,50", {"localized": False}),  # the API's plain decimal
]


@pytest.mark.parametrize(("text", "options"), REFUSED)
def test_the_parser_refuses_with_the_one_message_in_each_language(text, options):
    for language, message in (("fr", FRENCH_ERROR), ("en", ENGLISH_ERROR)):
        with translation.override(language), pytest.raises(AmountError) as refused:
            parse_amount(text, **options)
        with translation.override(language):
            assert str(refused.value.message) == message


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("1 234,50", "ACH", Decimal("1234.50")),
        ("1 234,50 ACH", "ACH", Decimal("1234.50")),
        ("1 h 30", "HRS", Decimal("1.50")),
    ],
)
def test_a_field_in_a_fixed_unit_reads_its_code_and_hours_when_it_is_hours(text, unit, expected):
    assert AmountField(unit=unit, decimals=2).clean(text) == expected


def test_a_field_in_hours_refuses_euros_and_too_fine_minutes_with_the_one_message():
    field = AmountField(unit="HRS", decimals=2)
    for text in ["12 €", "1,555", "abc"]:
        with translation.override("fr"), pytest.raises(forms.ValidationError) as refused:
            field.clean(text)
        assert refused.value.messages == [FRENCH_ERROR]


# --- the widget: the unit beside the input --------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def tags(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def element(html: str, tag: str, **wanted: str) -> dict[str, str]:
    found = [attrs for name, attrs in tags(html) if name == tag and all(attrs.get(k) == v for k, v in wanted.items())]
    assert len(found) == 1, (tag, wanted, html)
    return found[0]


class _FixedUnitForm(forms.Form):
    amount = AmountField(label="Amount", unit="ACH", help_text="Paid to your IBAN.")


def test_the_amount_input_shows_its_unit_beside_it_and_names_it_for_screen_readers():
    html = str(_FixedUnitForm()["amount"])
    attrs = element(html, "input", name="amount")
    assert attrs["type"] == "text" and attrs["inputmode"] == "decimal"
    assert attrs["aria-describedby"].split() == ["id_amount_unit", "id_amount_helptext"]
    assert element(html, "span", id="id_amount_unit")["class"] == "amount-unit"
    assert re.search(r'<span class="amount-unit" id="id_amount_unit">ACH</span>', html)


def test_an_amount_in_hours_shows_h_and_one_in_euros_the_euro_sign():
    class Hours(forms.Form):
        hours = AmountField(unit="HRS")
        euros = AmountField(unit="EUR")

    form = Hours()
    assert '<span class="amount-unit" id="id_hours_unit">h</span>' in str(form["hours"])
    assert '<span class="amount-unit" id="id_euros_unit">€</span>' in str(form["euros"])


class _PayLikeForm(AmountsInUnitForm):
    unit = forms.ChoiceField(choices=[("ACH", "Achard"), ("HRS", "Hours")])
    amount = AmountField(hours=True)


def test_where_the_unit_is_chosen_the_input_shows_the_choice_and_follows_the_select():
    assert ">ACH</span>" in str(_PayLikeForm()["amount"])
    html = str(_PayLikeForm({"unit": "HRS", "amount": ""})["amount"])
    suffix = element(html, "span", id="id_amount_unit")
    assert suffix["data-unit-from"] == "unit"
    assert '"HRS": "h"' in suffix["data-unit-labels"]
    assert html.endswith(">h</span></span>")
    assert _PayLikeForm({"unit": "ACH", "amount": "12 ACH"}).is_valid()


def test_an_errored_amount_is_described_by_its_unit_and_its_error():
    form = _PayLikeForm({"unit": "ACH", "amount": "abc"})
    assert not form.is_valid()
    attrs = element(str(form["amount"]), "input", name="amount")
    assert attrs["aria-invalid"] == "true"
    assert attrs["aria-describedby"].split() == ["id_amount_unit", "id_amount_error"]


# --- the date input ---------------------------------------------------------------------------


class _DayForm(forms.Form):
    day = DateField(label="Day")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_prefilled_date_renders_iso_in_a_date_input_and_posts_back_valid(language):
    with translation.override(language):
        html = str(_DayForm(initial={"day": datetime.date(2026, 12, 6)})["day"])
        attrs = element(html, "input", name="day")
        assert (attrs["type"], attrs["value"]) == ("date", "2026-12-06")
        posted = _DayForm({"day": attrs["value"]})
        assert posted.is_valid(), posted.errors
        assert posted.cleaned_data["day"] == datetime.date(2026, 12, 6)
        # A bound form shows back what it read, ISO again.
        assert element(str(posted["day"]), "input", name="day")["value"] == "2026-12-06"


@pytest.mark.parametrize("typed", ["06/12/2026", "6/12/2026", "06/12/26", "2026-12-06"])
def test_a_day_typed_where_the_browser_has_no_date_picker_is_read_the_french_way(typed):
    for language in ("fr", "en"):
        with translation.override(language):
            form = _DayForm({"day": typed})
            assert form.is_valid(), form.errors
            assert form.cleaned_data["day"] == datetime.date(2026, 12, 6)


def test_a_day_that_is_no_day_is_a_form_error():
    with translation.override("fr"):
        form = _DayForm({"day": "31/02/2026"})
        assert not form.is_valid()
        assert form.errors["day"] == ["Saisissez une date valide."]


# --- numbers and dates in the reader's language -----------------------------------------------


def test_numbers_follow_the_readers_language():
    with translation.override("fr"):
        assert format_number(Decimal("1234.5"), 2) == f"1{NNBSP}234,50"
        assert format_number(Decimal("-1234.5"), 2) == f"−1{NNBSP}234,50"
        assert format_euros(123450) == f"1{NNBSP}234,50{NBSP}€"
        assert get_unit("ACH").format(123450) == f"1{NNBSP}234,50 ACH"
        assert get_unit("ACH").format(-5) == "−0,05 ACH"
        assert get_unit("HRS").format(150) == "1 h 30"
    with translation.override("en"):
        assert format_number(Decimal("1234.5"), 2) == "1,234.50"
        assert format_euros(-123450) == "−€1,234.50"
        assert get_unit("ACH").format(123450) == "1,234.50 ACH"
        assert get_unit("ACH").format(-123450) == "−1,234.50 ACH"
        assert get_unit("HRS").format(150) == "1 h 30 min"
        assert get_unit("HRS").format(200) == "2 h"
    assert get_unit("ACH").format(123450, language="en") == "1,234.50 ACH"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_numbers_are_written_as_babels_format_decimal_writes_them(language):
    """format_number keeps Babel's locale and parsed pattern between calls: the text is still
    exactly what format_decimal writes, for every size, sign, rounding and decimals."""
    locale = {"fr": "fr_FR", "en": "en_GB"}[language]
    values = ["0", "0.004", "0.005", "1", "12.3", "999.995", "1000", "1234567.891", "-0.5", "-98765.4321"]
    for decimals in (0, 1, 2, 3):
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        for text in values:
            value = Decimal(text)
            expected = format_decimal(abs(value), format=pattern, locale=locale, decimal_quantization=True)
            with translation.override(language):
                assert format_number(value, decimals) == (f"−{expected}" if value < 0 else expected)
            assert format_number(value, decimals, language=language) == (f"−{expected}" if value < 0 else expected)


def test_an_english_duration_is_read_back_by_the_parser():
    with translation.override("en"):
        for minor in (5, 25, 150, 175, 6000):  # whole minutes (a hundredth of an hour is 36 s)
            shown = get_unit("HRS").format(minor)
            assert get_unit("HRS").to_minor(parse_amount(shown, hours=True)) == minor


def test_long_dates_are_written_day_first_in_both_languages():
    day = datetime.date(2026, 12, 6)
    template = Template("{% load l10n_format %}{{ day|long_date }}")
    with translation.override("fr"):
        assert format_long_date(day) == "6 décembre 2026"
        assert template.render(Context({"day": day})) == "6 décembre 2026"
    with translation.override("en"):
        assert format_long_date(day) == "6 December 2026"
        assert template.render(Context({"day": day})) == "6 December 2026"
        assert template.render(Context({"day": None})) == ""


def test_django_date_formats_are_british_on_english_pages():
    day = datetime.date(2026, 12, 6)
    template = Template('{{ day|date:"DATE_FORMAT" }} · {{ day|date:"SHORT_DATE_FORMAT" }}')
    with translation.override("en"):
        assert template.render(Context({"day": day})) == "6 December 2026 · 06/12/2026"
    with translation.override("fr"):
        assert template.render(Context({"day": day})) == "6 décembre 2026 · 06/12/2026"
