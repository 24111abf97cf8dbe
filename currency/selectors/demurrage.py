"""Reads of demurrage: what the next charge would be, and when."""

from __future__ import annotations

import datetime

from django.utils import timezone
from djmoney.money import Money

from currency.services.demurrage import demurrage_amount, demurrage_next_run
from ledger.models import Account
from ledger.units import get_unit


def demurrage_preview(account: Account) -> Money | None:
    """The charge the account would pay at the end of the current period, at today's balance.

    None when the unit has no demurrage or nothing would be due. The day it is charged:
    `demurrage_preview_date`.
    """
    unit = get_unit(account.unit)
    if unit.demurrage is None:
        return None
    amount = demurrage_amount(unit, account)
    return unit.to_money(amount) if amount > 0 else None


def demurrage_preview_date(account: Account, today: datetime.date | None = None) -> datetime.date | None:
    """The day the current period ends and its demurrage is charged (None: no demurrage)."""
    unit = get_unit(account.unit)
    if unit.demurrage is None:
        return None
    return demurrage_next_run(unit, today or timezone.localdate())
