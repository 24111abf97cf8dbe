"""Dates and numbers in the reader's language, for templates (see core.l10n).

`{% load l10n_format %}` then `{{ day|long_date }}` → `6 décembre 2026` / `6 December 2026`,
`{{ cents|euros }}` → `1 234,50 €` / `€1,234.50`.
"""

from __future__ import annotations

import datetime

from django import template

from core import l10n

register = template.Library()


@register.filter
def long_date(day: datetime.date | datetime.datetime | None) -> str:
    """A day written in full in the reader's language: `6 décembre 2026`, `6 December 2026`."""
    if not isinstance(day, datetime.date):
        return ""
    return l10n.format_long_date(day)


@register.filter
def euros(cents: int | None) -> str:
    return l10n.format_euros(cents)
