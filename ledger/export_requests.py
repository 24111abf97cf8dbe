"""An auditor's or staff member's request for an export: the job is recorded and its task queued once
it commits. The building is in `ledger.exports`, run by `ledger.tasks.run_export`; asking lives here
so that the tasks import the exports and nothing imports back."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import PermissionDenied
from core.queueing import enqueue_on_commit
from core.typing import Actor, acting_user

from .exports import export_parameters_clean
from .models import ExportJob
from .selectors import can_read_everything
from .tasks import run_export


def export_request(*, kind: str, parameters: dict[str, Any], actor: Actor) -> ExportJob:
    """Record an export for an auditor or staff and queue it once committed.

    Raises PermissionDenied (anyone else), InvalidInput (kind, year, account, dates).
    """
    user = acting_user(actor)
    if user is None or not can_read_everything(user):
        raise PermissionDenied(_("Only auditors and administrators may export the books."))
    cleaned = export_parameters_clean(kind, parameters)
    with transaction.atomic():
        job = ExportJob.objects.create(kind=kind, parameters=cleaned, requested_by=user)
        enqueue_on_commit(run_export, job.pk)
    return job
