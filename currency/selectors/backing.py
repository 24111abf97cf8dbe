"""Reads of the backing: the currency in circulation against the guarantee fund (docs/ARCHITECTURE.md,
invariant 7)."""

from __future__ import annotations

from dataclasses import dataclass

from core.typing import RequestUser
from ledger import selectors as ledger_selectors
from ledger.models import Account
from ledger.units import UnitKind, all_units

FIAT_UNIT = "EUR"


@dataclass(frozen=True)
class BackingLine:
    unit: str
    circulation: int  # minor units of the backed unit: −(issuance balance)
    guarantee_fund: int  # cents of EUR in the guarantee fund
    ok: bool


def check_backing() -> list[BackingLine]:
    """Per backed unit: the currency in circulation, the guarantee fund, and whether they match.

    The guarantee fund backs every backed unit together: `ok` when it equals their total circulation.
    """
    backed = [unit.code for unit in all_units().values() if unit.kind == UnitKind.BACKED]
    fund = ledger_selectors.system_balance_total(Account.SystemCode.GUARANTEE_FUND, FIAT_UNIT)
    circulation = {code: -ledger_selectors.system_balance_total(Account.SystemCode.ISSUANCE, code) for code in backed}
    ok = fund == sum(circulation.values())
    return [BackingLine(unit=code, circulation=circulation[code], guarantee_fund=fund, ok=ok) for code in backed]


def backing_visible_to(user: RequestUser) -> list[BackingLine] | None:
    """The backing panel of the exchange-office page: staff see it, anyone else None."""
    return check_backing() if user.is_staff else None
