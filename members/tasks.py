"""Background work of members: the personal data exports (RGPD), the purge of what was kept of
members who left. Each task is idempotent."""

from __future__ import annotations

from celery import shared_task

from . import personal_data_exports


@shared_task(name="members.tasks.run_personal_data_export", acks_late=True)
def run_personal_data_export(export_id: int) -> str | None:
    """Build a member's personal data ZIP; one done is not redone, one that died restarts."""
    export = personal_data_exports.personal_data_export_run(export_id=export_id)
    return export.status if export is not None else None


@shared_task(name="members.tasks.personal_data_exports_expire", acks_late=True)
def personal_data_exports_expire() -> dict[str, int]:
    """Beat: build the exports whose task never reached a worker, delete the files past their date."""
    return {
        "built": personal_data_exports.personal_data_exports_catch_up(),
        "expired": personal_data_exports.personal_data_exports_expire(),
    }
