"""Celery tasks of the crowdfunding app; each is safe to run twice or after dying half-way."""

from __future__ import annotations

from celery import shared_task

from .notifications import campaign_update_deliver, campaign_updates_catch_up
from .services.campaigns import campaigns_open_due
from .services.closing import campaign_close, campaigns_close_due


@shared_task
def campaigns_advance() -> dict[str, int]:
    """Beat: open the campaigns whose start has come, close those past their deadline."""
    opened = campaigns_open_due()
    report = campaigns_close_due()
    return {"opened": opened, "closed": report.campaigns, "settled": report.pledges_settled}


@shared_task
def campaign_close_now(campaign_id: int) -> None:
    """Finish closing one campaign (after a cancellation, or from the moderator's page)."""
    from .models import Campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is not None:
        campaign_close(campaign=campaign)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def campaign_update_send(update_id: int) -> int:
    return campaign_update_deliver(update_id=update_id)


@shared_task(name="crowdfunding.tasks.campaign_updates_catch_up")
def campaign_updates_catch_up_task() -> int:
    """Beat: mail the news whose sending never reached a worker (broker down when it was posted)."""
    return campaign_updates_catch_up()
