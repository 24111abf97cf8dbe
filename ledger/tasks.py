"""Periodic ledger work. Each task is idempotent: running it twice, or after a crash, is harmless."""

from __future__ import annotations

from celery import shared_task

from . import exports, sealing, services


@shared_task(name="ledger.tasks.holds_expire_due", acks_late=True)
def holds_expire_due() -> int:
    """Expire every pending hold past its deadline (each hold under its own lock, once)."""
    return services.holds_expire_due()


@shared_task(name="ledger.tasks.seal_ledger", acks_late=True)
def seal_ledger() -> int:
    """Seal the transactions committed since the last seal; safe twice or concurrently (one chain)."""
    return len(sealing.seal_all_pending())


@shared_task(name="ledger.tasks.run_export", acks_late=True)
def run_export(job_id: int) -> str | None:
    """Build an export's file (FEC, statement); a job already done is not redone, one that died restarts."""
    job = exports.export_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task(name="ledger.tasks.exports_catch_up", acks_late=True)
def exports_catch_up() -> int:
    """Beat: build the exports whose task never reached a worker (broker down when they were asked)."""
    return exports.exports_catch_up()


@shared_task(name="ledger.tasks.standing_orders_run_due", acks_late=True)
def standing_orders_run_due(chunk_size: int | None = None) -> int:
    """Beat: pay every due period of the standing orders once, retry the missed ones, in chunks of
    orders each committed on its own (safe twice, or again after a worker died mid-chunk: the next
    run finds what was committed done)."""
    if chunk_size is None:
        return services.standing_orders_run_due()
    return services.standing_orders_run_due(chunk_size=chunk_size)
