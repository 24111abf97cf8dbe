"""Periodic ledger work. Each task is idempotent: running it twice, or after a crash, is harmless."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="ledger.tasks.holds_expire_due", acks_late=True)
def holds_expire_due() -> int:
    """Expire every pending hold past its deadline (each hold under its own lock, once)."""
    return services.holds_expire_due()
