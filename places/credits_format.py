"""Booking credits as a reader says them: days of a carnet or a plan ("1,5 jour", "10 jours"),
hours ("3,00 h"), in the reader's language (core.l10n); anything else with its unit's formatter."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import ngettext

from core import l10n
from ledger.units import get_unit

DAYS = "CRJ"
HOURS = "CRH"


def credits_text(minor: int | None, unit: str) -> str:
    if minor is None:
        return "—"
    code = get_unit(unit)
    value = code.to_decimal(minor)
    if unit == DAYS:
        whole = value == value.to_integral_value()
        number = l10n.format_number(value, 0 if whole else _decimals(value))
        # The plural follows the number read aloud: 1 jour, 1,5 jour, 2 jours (French), 1.5 days (English).
        count = int(value) if whole else (1 if abs(value) < 2 else 2)
        if l10n.is_english() and not whole:
            count = 2
        return ngettext("%(number)s day", "%(number)s days", count) % {"number": number}
    if unit == HOURS:
        return ngettext("%(number)s h", "%(number)s h", 2) % {"number": l10n.format_number(value, 2)}
    return code.format(minor)


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(-int(exponent), 0) if isinstance(exponent, int) else 2
