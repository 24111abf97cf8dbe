"""Euro amounts of the share register, the French way: `1 234,50 €`."""

from __future__ import annotations

from django import template

register = template.Library()


def format_euros(cents: int | None) -> str:
    """`6000` → `60,00 €`; thousands grouped by a narrow no-break space, a real minus sign."""
    if cents is None:
        return "—"
    sign = "−" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    grouped = f"{whole:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}\u00a0€"


@register.filter
def euros(cents: int | None) -> str:
    """`{{ share_class.nominal_value|euros }}` → `20,00 €`."""
    return format_euros(cents)
