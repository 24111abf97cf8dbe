"""Periodic work of the places; each task is idempotent (safe to run twice, concurrently or after a crash)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="places.tasks.bookings_settle", acks_late=True)
def bookings_settle(chunk_size: int | None = None) -> int:
    """Complete the bookings that ended: their holds captured once (the places are paid), in chunks
    of bookings each committed on its own (safe again after a worker died mid-chunk)."""
    from .services.settlement import bookings_settle_due

    if chunk_size is None:
        return bookings_settle_due()
    return bookings_settle_due(chunk_size=chunk_size)


@shared_task(name="places.tasks.carnets_expire", acks_late=True)
def carnets_expire() -> int:
    """Expire the carnets past their last day: what is left goes back to the issuer, once per carnet."""
    from .services.carnets import carnets_expire_due

    return carnets_expire_due()


@shared_task(name="places.tasks.subscriptions_end", acks_late=True)
def subscriptions_end() -> int:
    """End the plans whose last paid period is over (cancelled or unpaid): their credits expire."""
    from .services.plans import subscriptions_end_due

    return subscriptions_end_due()
