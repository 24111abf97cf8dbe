"""What waits in the time bank (core.inbox): services a member received and must confirm or decline."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.translation import ngettext_lazy

from core.inbox import MEMBER, InboxItem, counted
from timebank.selectors import service_records_to_confirm


def services_to_confirm(user: User) -> list[InboxItem]:
    """Pending service records where the user is the receiver (the time bank's page lists them)."""
    count = service_records_to_confirm(user).count()
    return counted(
        count,
        key="timebank",
        label=ngettext_lazy("service received to confirm", "services received to confirm", count),
        url=reverse("timebank-home"),
        kind=MEMBER,
    )
