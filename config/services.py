"""Writes of the config app: operational state only."""

from __future__ import annotations

from django.utils import timezone

from core.typing import Actor

from .models import WorkerHeartbeat


def worker_heartbeat_record(*, hostname: str, actor: Actor = None) -> WorkerHeartbeat:
    """Stamp "a worker ran just now" (one row, overwritten; safe twice or concurrently). Raises nothing of its own.

    No audit row: this is a liveness probe written every minute by the system, not an action of
    anyone's; the audit log would drown in it.
    """
    heartbeat = WorkerHeartbeat(id=WorkerHeartbeat.SINGLETON_ID, seen_at=timezone.now(), hostname=hostname[:255])
    # An upsert, not get-then-save: two workers stamping the first row at once must not collide.
    WorkerHeartbeat.objects.bulk_create(
        [heartbeat], update_conflicts=True, unique_fields=["id"], update_fields=["seen_at", "hostname"]
    )
    return heartbeat
