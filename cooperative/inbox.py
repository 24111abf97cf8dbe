"""What waits for a cooperative's board (core.inbox): share subscription and redemption requests
to decide, and approved redemptions now due to be paid."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from cooperative.models import RedemptionRequest, SubscriptionRequest
from cooperative.selectors import can_administer
from core.inbox import STAFF, InboxItem


def requests_to_approve(user: User) -> list[InboxItem]:
    """For the register's administrators (those the approvals page gives its forms to; an auditor
    reads the queue but decides nothing): one item, linking to the cooperative's approvals page
    when a single cooperative has some, to the list of cooperatives otherwise (and as a shortcut to
    that list when nothing waits)."""
    if not can_administer(user):
        return []
    per_cooperative: Counter[int] = Counter()
    subscriptions = (
        SubscriptionRequest.objects.filter(status=SubscriptionRequest.Status.REQUESTED)
        .values("cooperative_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    redemptions = (
        RedemptionRequest.objects.filter(
            Q(status=RedemptionRequest.Status.REQUESTED)
            | Q(status=RedemptionRequest.Status.APPROVED, due_on__lte=timezone.localdate())
        )
        .values("cooperative_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in [*subscriptions, *redemptions]:
        per_cooperative[row["cooperative_id"]] += row["n"]
    count = sum(per_cooperative.values())
    if not count:
        return [
            InboxItem(key="approvals", label=_("Cooperatives"), url=reverse("cooperative-list"), kind=STAFF, count=None)
        ]
    if len(per_cooperative) == 1:
        url = reverse("cooperative-approvals", args=[next(iter(per_cooperative))])
    else:
        url = reverse("cooperative-list")
    return [
        InboxItem(
            key="approvals",
            label=ngettext_lazy("share request to handle", "share requests to handle", count),
            url=url,
            kind=STAFF,
            count=count,
        )
    ]
