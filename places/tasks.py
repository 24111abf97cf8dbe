"""Periodic work of the places; each task is idempotent (safe to run twice, concurrently or after a crash)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="places.tasks.bookings_settle", acks_late=True)
def bookings_settle() -> int:
    """Complete the bookings that ended: their holds captured once (the places are paid)."""
    from .services.bookings import bookings_settle_due

    return bookings_settle_due()
