"""Periodic marketplace work; each task is idempotent (safe to run twice or after a crash)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="exchange.tasks.listings_expire_due", acks_late=True)
def listings_expire_due() -> int:
    """Expire listings past their date and tell their authors (once)."""
    from .services.listings import listings_expire_due as expire

    return expire()


@shared_task(name="exchange.tasks.exchanges_auto_capture_due", acks_late=True)
def exchanges_auto_capture_due() -> int:
    """Pay exchanges delivered long enough ago and neither confirmed nor disputed (the readable rule)."""
    from .services.exchanges import exchanges_auto_capture_due as capture

    return capture()
