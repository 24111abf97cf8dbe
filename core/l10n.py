"""Numbers and dates in the reader's language, written by Babel (CLDR), never by hand.

The reader's language is Django's active language (the page's, or the one a mail is rendered in
with `translation.override`); without one, the site's (French). English is written the British
way: `6 December 2026` and `1,234.50`, never the US `December 6, 2026`.

- `format_number(Decimal("1234.5"), 2)` → fr `1 234,50` (a narrow no-break space groups
  thousands, as CLDR says), en `1,234.50`. The minus sign is a real minus, `−`.
- `format_long_date(day)` → fr `6 décembre 2026`, en `6 December 2026`.
- `format_euros(cents)` → fr `1 234,50 €`, en `€1,234.50`.

Files for machines (CSV, FEC, the API) do not come here: they keep plain `1234.50` or their own
format, whatever the reader's language.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, format_currency, parse_pattern
from django.conf import settings
from django.utils import timezone, translation

# Babel's locale for each language of the site: English the British way (day before month).
LOCALES = {"fr": "fr_FR", "en": "en_GB"}
MINUS = "\u2212"


def language_of(language: str | None = None) -> str:
    """The language ("fr", "en") to write in: the one given, else the active one, else the site's."""
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).lower().replace("_", "-")
    base = code.split("-")[0]
    return base if base in LOCALES else settings.LANGUAGE_CODE.split("-")[0]


def babel_locale(language: str | None = None) -> str:
    return LOCALES.get(language_of(language), "fr_FR")


def is_english(language: str | None = None) -> bool:
    return language_of(language) == "en"


@functools.cache
def _number_writer(locale: str, decimals: int) -> tuple[Locale, NumberPattern]:
    """Babel's locale and the parsed pattern of `format_number`, made once per (locale, decimals):
    `format_decimal` finds the locale and parses the pattern again on every call, which was most
    of its cost on a page of a hundred amounts."""
    return Locale.parse(locale), parse_pattern("#,##0" + ("." + "0" * decimals if decimals > 0 else ""))


def format_number(value: Decimal | int, decimals: int = 0, *, language: str | None = None) -> str:
    """`value` with exactly `decimals` decimals, thousands grouped the reader's way; `−` for negatives."""
    value = Decimal(value)
    locale, pattern = _number_writer(babel_locale(language), decimals)
    text = pattern.apply(abs(value), locale, decimal_quantization=True)
    return f"{MINUS}{text}" if value < 0 else text


def format_euros(cents: int | None, *, language: str | None = None) -> str:
    """Euro cents as the reader writes euros: `1 234,50 €` (fr), `€1,234.50` (en); `—` for none."""
    if cents is None:
        return "—"
    value = Decimal(int(cents)).scaleb(-2)
    text = format_currency(abs(value), "EUR", locale=babel_locale(language))
    return f"{MINUS}{text}" if value < 0 else text


def format_long_date(day: datetime.date | datetime.datetime | None, *, language: str | None = None) -> str:
    """`6 décembre 2026` (fr), `6 December 2026` (en); a moment is first put in the site's time zone."""
    if day is None:
        return ""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return format_date(day, format="long", locale=babel_locale(language))
