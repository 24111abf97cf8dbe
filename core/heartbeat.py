"""Is background work running? A Celery worker stamps a heartbeat row (the beat sends the task every
minute, and each worker stamps once as it starts); /readyz, the exports pages and the admin's
banner read it. Operational state only: the write and the read of one row live together here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import WorkerHeartbeat
from .typing import Actor


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


def job_progress(*, status: str, done: int, total: int) -> dict[str, Any]:
    """What a background job's page shows and its status endpoint answers (an export of the books,
    a member's copy of their data): whether it still runs, whether it waits for a worker that is
    stopped (then "queued" would never change: the page says why and polls slowly), and how far."""
    running = status in {"queued", "running"}
    percent = 100 if status == "done" else (100 * done // total if total else 0)
    return {"running": running, "waiting": running and background_work_status().stopped, "percent": percent}


def job_status(job: Any, *, ready: bool, download_url: str | None, file_name: str) -> dict[str, Any]:
    """The JSON a job's page polls (static/js/export-progress.js), for any job with `status`,
    `progress_done`, `progress_total` and `error` (an export of the books, a member's copy of their
    data): `waiting` says no worker runs, so the page polls slowly; `label` and `progress` are the
    texts the page shows, in the reader's language; the download once `ready`."""
    state = job_progress(status=job.status, done=job.progress_done, total=job.progress_total)
    total = job.progress_total
    return {
        "id": job.pk,
        "status": job.status,
        "waiting": state["waiting"],
        "progress_done": job.progress_done,
        "progress_total": total,
        "percent": state["percent"],
        "label": _("Waiting for the background work") if state["waiting"] else str(job.get_status_display()),
        "progress": _("%(done)s of %(total)s") % {"done": job.progress_done, "total": total} if total else "",
        "download_url": download_url,
        "file_name": file_name,
        "download_label": _("Download %(file_name)s") % {"file_name": file_name} if ready else "",
        "error": job.error if job.status == "failed" else "",
    }
