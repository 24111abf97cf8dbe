"""Reads of the backing: the currency in circulation against the guarantee fund (docs/ARCHITECTURE.md,
invariant 7)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from core.typing import RequestUser
from ledger.models import Account
from ledger.units import UnitKind, all_units

FIAT_UNIT = "EUR"


@dataclass(frozen=True)
class BackingLine:
    unit: str
    circulation: int  # minor units of the backed unit: −(issuance balance)
    guarantee_fund: int  # cents of EUR in the guarantee fund
    ok: bool


def _system_balance(code: str, unit: str) -> int:
    total = Account.objects.filter(kind=Account.Kind.SYSTEM, system_code=code, unit=unit).aggregate(
        total=Sum("balance")
    )["total"]
    return int(total or 0)


def check_backing() -> list[BackingLine]:
    """Per backed unit: the currency in circulation, the guarantee fund, and whether they match.

    The guarantee fund backs every backed unit together: `ok` when it equals their total circulation.
    """
    backed = [unit.code for unit in all_units().values() if unit.kind == UnitKind.BACKED]
    fund = _system_balance(Account.SystemCode.GUARANTEE_FUND, FIAT_UNIT)
    circulation = {code: -_system_balance(Account.SystemCode.ISSUANCE, code) for code in backed}
    ok = fund == sum(circulation.values())
    return [BackingLine(unit=code, circulation=circulation[code], guarantee_fund=fund, ok=ok) for code in backed]


def backing_visible_to(user: RequestUser) -> list[BackingLine] | None:
    """The backing panel of the exchange-office page: staff see it, anyone else None."""
    return check_backing() if user.is_staff else None
