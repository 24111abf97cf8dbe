from django import template

from ledger.units import get_unit

register = template.Library()


@register.filter
def amount(minor: int | None, unit: str) -> str:
    """`{{ account.balance|amount:account.unit }}` → `1 234,50 ACH`, `1 h 30`."""
    return get_unit(unit).format(minor)


@register.filter
def unit_name(code: str) -> str:
    return get_unit(code).name
