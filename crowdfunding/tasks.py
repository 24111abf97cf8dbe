"""Celery tasks of the crowdfunding app; each is safe to run twice or after dying half-way."""

from __future__ import annotations

from celery import Task, shared_task

from core.queueing import enqueue

from .notifications import campaign_update_deliver, campaign_updates_catch_up
from .services.campaigns import campaigns_open_due
from .services.closing import (
    SETTLE_CHUNK,
    campaign_decide,
    campaign_payout,
    campaigns_close_due,
    pledges_settle_chunk,
)


@shared_task
def campaigns_advance(chunk_size: int = SETTLE_CHUNK) -> dict[str, int]:
    """Beat: open the campaigns whose start has come, close those past their deadline (their
    pledges settled `chunk_size` per database transaction: a run killed half-way leaves whole
    chunks done, and the next run finds the rest)."""
    opened = campaigns_open_due()
    report = campaigns_close_due(chunk_size=chunk_size)
    return {"opened": opened, "closed": report.campaigns, "settled": report.pledges_settled}


def _same_queue(task: Task) -> str | None:
    """The queue the running task came from (None: eager, or the default queue)."""
    return (task.request.delivery_info or {}).get("routing_key")


def _hand_over(task: Task, campaign_id: int, after_id: int, chunk_size: int) -> None:
    """Queue the next chunk on the queue this one came from; if the broker cannot take it, the
    beat's next campaigns_advance finds the pledges still running and settles them."""
    enqueue(campaign_settle_chunk, campaign_id, after_id, chunk_size, queue=_same_queue(task))


@shared_task(bind=True)
def campaign_settle_chunk(self: Task, campaign_id: int, after_id: int = 0, chunk_size: int = SETTLE_CHUNK) -> int:
    """Settle one chunk of a decided (or cancelled) campaign's running pledges, those after
    `after_id`, in one database transaction; then hand the next chunk to a task of its own, or,
    after the last, pay out. Returns how many pledges were settled.

    Safe twice or after a kill: a chunk finds its own work (the pledges still running), so a
    rerun, or two workers on one chunk, settle each pledge once (the campaign's row lock queues
    them); the payout is keyed."""
    report = pledges_settle_chunk(campaign_id=campaign_id, after_id=after_id, limit=chunk_size)
    if report.last_id is not None:
        _hand_over(self, campaign_id, report.last_id, chunk_size)
    else:
        campaign_payout(campaign_id=campaign_id)
    return report.settled


@shared_task(bind=True)
def campaign_close_now(self: Task, campaign_id: int, chunk_size: int = SETTLE_CHUNK) -> None:
    """Finish closing one campaign (after a cancellation, or from the moderator's page): decide
    it if due, then its pledges chunk after chunk (campaign_settle_chunk), then the payout."""
    from .models import Campaign

    if not Campaign.objects.filter(pk=campaign_id).exists():
        return
    campaign_decide(campaign_id=campaign_id)
    _hand_over(self, campaign_id, 0, chunk_size)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def campaign_update_send(update_id: int) -> int:
    return campaign_update_deliver(update_id=update_id)


@shared_task(name="crowdfunding.tasks.campaign_updates_catch_up")
def campaign_updates_catch_up_task() -> int:
    """Beat: mail the news whose sending never reached a worker (broker down when it was posted)."""
    return campaign_updates_catch_up()
