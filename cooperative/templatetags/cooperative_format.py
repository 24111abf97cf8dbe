"""Euro amounts of the share register, the French way: `1 234,50 €`."""

from __future__ import annotations

from django import template

from core.amounts import format_euros

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """`{{ share_class.nominal_value|euros }}` → `20,00 €`."""
    return format_euros(cents)
