"""A member asks for a copy of their personal data (members.personal_data_exports builds it)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import PermissionDenied
from core.queueing import enqueue_on_commit
from core.typing import Actor, acting_user

from ..models import Member, PersonalDataExport
from ..tasks import run_personal_data_export


def personal_data_export_request(*, member: Member, actor: Actor) -> PersonalDataExport:
    """Ask for a copy of everything Bocage holds about `member` (RGPD), built in the background.

    Only the member may ask (PermissionDenied otherwise). While one is queued or running, asking
    again returns it: no second export. Audited (`personal_data_export`)."""
    user = acting_user(actor)
    if user is None or user.pk != member.user_id:
        raise PermissionDenied(_("Only the member may ask for a copy of their data."))
    with transaction.atomic(durable=True):
        Member.objects.select_for_update().filter(pk=member.pk).first()  # one request at a time per member
        pending = (
            PersonalDataExport.objects.filter(
                member=member,
                status__in=[PersonalDataExport.Status.QUEUED, PersonalDataExport.Status.RUNNING],
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if pending is not None:
            return pending
        export = PersonalDataExport.objects.create(member=member)
        audit_record(actor=user, action="personal_data_export", target=member, export_id=export.pk)
        enqueue_on_commit(run_personal_data_export, export.pk)
    return export
