"""Periodic work of the local currency. Each task is idempotent: running it twice is harmless."""

from __future__ import annotations

from celery import shared_task

from currency.services.demurrage import BATCH_SIZE, demurrage_apply
from ledger.units import all_units


@shared_task(name="currency.tasks.demurrage_apply_due", acks_late=True)
def demurrage_apply_due(chunk_size: int = BATCH_SIZE) -> int:
    """Charge the demurrage of the period that just ended, for every unit that has one, in chunks
    of `chunk_size` accounts (one database transaction each: a worker killed mid-run leaves whole
    chunks done, and the next run finds the rest).

    Scheduled daily: once a period has been charged, the runs that follow find nothing to do.
    """
    return sum(
        demurrage_apply(unit=code, chunk_size=chunk_size)
        for code, unit in all_units().items()
        if unit.demurrage is not None
    )
