"""Reads of the config app: is background work running?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import WorkerHeartbeat


@dataclass(frozen=True)
class BackgroundWork:
    stopped: bool
    # The last heartbeat of any worker (None: no worker has ever run against this database).
    last_seen: datetime | None


def background_work_status() -> BackgroundWork:
    """Whether no worker has been seen for BOCAGE_WORKER_STALE_SECONDS, and since when.

    The one rule for /readyz, the exports pages and the admin's banner.
    """
    last_seen = WorkerHeartbeat.objects.values_list("seen_at", flat=True).first()
    if last_seen is None:
        return BackgroundWork(stopped=True, last_seen=None)
    stale_after = timedelta(seconds=settings.BOCAGE_WORKER_STALE_SECONDS)
    return BackgroundWork(stopped=timezone.now() - last_seen > stale_after, last_seen=last_seen)
