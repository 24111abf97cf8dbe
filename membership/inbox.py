"""What waits in the membership (core.inbox): for staff, the applications of new members to decide
(only when the cooperative validates new members)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.translation import ngettext_lazy

from core.inbox import STAFF, InboxItem, counted

from .selectors import applications_pending, may_decide_applications


def applications_to_decide(user: User) -> list[InboxItem]:
    if not may_decide_applications(user):
        return []
    count = applications_pending().count()
    return counted(
        count,
        key="applications",
        label=ngettext_lazy("membership application to decide", "membership applications to decide", count),
        url=reverse("membership-applications"),
        kind=STAFF,
    )
