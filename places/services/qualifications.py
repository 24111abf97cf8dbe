"""Qualifications: a place's manager records who was trained on a machine, and withdraws it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import NotFound, PermissionDenied
from core.typing import Actor, acting_user
from members.models import Member
from places.models import MemberQualification, Qualification
from places.selectors.roles import is_place_manager


def _check_manager(qualification: Qualification, actor: Actor) -> None:
    user = acting_user(actor)
    if user is None or not is_place_manager(user, qualification.place_id):
        raise PermissionDenied()


def qualification_grant(*, qualification: Qualification, member: Member, actor: Actor) -> MemberQualification:
    """Record that `member` was trained (again, after a withdrawal). Raises PermissionDenied for
    anyone but the place's managers and staff; a repeat changes nothing."""
    _check_manager(qualification, actor)
    with transaction.atomic(durable=True):
        record, created = MemberQualification.objects.select_for_update().get_or_create(
            qualification=qualification, member=member, defaults={"granted_by": acting_user(actor)}
        )
        if not created and record.revoked_at is None:
            return record
        if not created:
            record.revoked_at = None
            record.granted_by = acting_user(actor)
            record.granted_at = timezone.now()
            record.save(update_fields=["revoked_at", "granted_by", "granted_at"])
        audit_record(actor=actor, action="qualification_grant", target=record, qualification=qualification.name)
        return record


def qualification_revoke(*, qualification: Qualification, member: Member, actor: Actor) -> MemberQualification:
    """Withdraw a member's training. Raises PermissionDenied, NotFound (never granted); a repeat changes nothing."""
    _check_manager(qualification, actor)
    with transaction.atomic(durable=True):
        record = (
            MemberQualification.objects.select_for_update().filter(qualification=qualification, member=member).first()
        )
        if record is None:
            raise NotFound()
        if record.revoked_at is not None:
            return record
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="qualification_revoke", target=record, qualification=qualification.name)
        return record
