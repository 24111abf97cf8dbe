"""Who sees what in the membership: the application queue and the members still to pay, for staff."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from members.models import Member

from .models import Application


def may_decide_applications(user: Any) -> bool:
    """Staff decide applications and waive memberships (the page and the inbox ask the same)."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def applications_pending() -> QuerySet[Application]:
    return Application.objects.filter(status=Application.Status.PENDING).select_related("member__commune")


def members_without_membership() -> QuerySet[Member]:
    """Active members who never paid (joined online, not paid yet) and whose application, if any,
    is not waiting: the ones a waiver may concern."""
    return (
        Member.objects.filter(status=Member.Status.ACTIVE, membership_expires_on__isnull=True)
        .exclude(application__status__in=[Application.Status.PENDING, Application.Status.REFUSED])
        .select_related("commune")
        .order_by("created_at", "id")
    )
