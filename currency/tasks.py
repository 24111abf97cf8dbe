"""Periodic work of the local currency. Each task is idempotent: running it twice is harmless."""

from __future__ import annotations

from celery import shared_task

from currency.services.demurrage import demurrage_apply
from ledger.units import all_units


@shared_task(name="currency.tasks.demurrage_apply_due", acks_late=True)
def demurrage_apply_due() -> int:
    """Charge the demurrage of the period that just ended, for every unit that has one.

    Scheduled daily: once a period has been charged, the runs that follow find nothing to do.
    """
    return sum(demurrage_apply(unit=code) for code, unit in all_units().items() if unit.demurrage is not None)
