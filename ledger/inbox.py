"""What waits in the ledger's room (core.inbox), for staff and auditors: their exports that failed
in the last week (and were not made again since), and the books as a shortcut."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.inbox import STAFF, InboxItem, counted

from .models import ExportJob
from .selectors import can_read_everything

FAILED_WITHIN = datetime.timedelta(days=7)


def failed_exports(user: User) -> list[InboxItem]:
    """The user's exports that failed within 7 days and have no later successful run of the same
    kind and parameters (to request again, once the reason shown on the exports page is fixed)."""
    if not can_read_everything(user):
        return []
    redone = ExportJob.objects.filter(
        requested_by_id=user.pk,
        kind=OuterRef("kind"),
        parameters=OuterRef("parameters"),
        status=ExportJob.Status.DONE,
        created_at__gt=OuterRef("created_at"),
    )
    count = (
        ExportJob.objects.filter(
            requested_by_id=user.pk,
            status=ExportJob.Status.FAILED,
            created_at__gte=timezone.now() - FAILED_WITHIN,
        )
        .exclude(Exists(redone))
        .count()
    )
    return counted(
        count,
        key="audit",
        label=ngettext_lazy("export that failed", "exports that failed", count),
        url=reverse("audit-exports"),
        kind=STAFF,
    )


def audit_shortcut(user: User) -> list[InboxItem]:
    """The audit's home (books, trial balance, exports, the audit log), for those who may read it."""
    if not can_read_everything(user):
        return []
    return [
        InboxItem(
            key="audit",
            label=_("Audit: the books, the trial balance, exports and the audit log"),
            url=reverse("audit-home"),
            kind=STAFF,
            count=None,
        )
    ]
