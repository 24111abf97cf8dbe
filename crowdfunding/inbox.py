"""What waits in crowdfunding (core.inbox): the campaigns a member backs that end within a week,
and the moderators' queue (submitted campaigns, payouts that were refused)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.inbox import MEMBER, STAFF, InboxItem, counted
from crowdfunding.models import Campaign, Pledge
from crowdfunding.selectors import is_moderator, moderation_queue

ENDING_WITHIN = datetime.timedelta(days=7)
S = Campaign.Status


def campaigns_ending_soon(user: User) -> list[InboxItem]:
    """Live campaigns the user backs (an active pledge) whose deadline is within 7 days: the last
    moment to change or withdraw the pledge (their pledges page lists them)."""
    now = timezone.now()
    count = (
        Pledge.objects.filter(
            backer__user_id=user.pk,
            status=Pledge.Status.ACTIVE,
            campaign__status=S.LIVE,
            campaign__deadline__gt=now,
            campaign__deadline__lte=now + ENDING_WITHIN,
        )
        .values("campaign_id")
        .distinct()
        .count()
    )
    return counted(
        count,
        key="campaigns",
        label=ngettext_lazy("campaign you back ends within 7 days", "campaigns you back end within 7 days", count),
        url=reverse("campaign-mine") + "#pledges-heading",
        kind=MEMBER,
    )


def campaigns_to_moderate(user: User) -> list[InboxItem]:
    """The moderation page's queue, for moderators only (the page is a 404 for anyone else); the
    page as a shortcut when the queue is empty."""
    if not is_moderator(user):
        return []
    counts = moderation_queue().aggregate(
        submitted=Count("id", filter=Q(status=S.SUBMITTED)),
        payout_refused=Count("id", filter=Q(status=S.SUCCEEDED)),
    )
    url = reverse("campaign-moderation")
    if not (counts["submitted"] or counts["payout_refused"]):
        return [InboxItem(key="moderation", label=_("Campaigns to moderate"), url=url, kind=STAFF, count=None)]
    items = []
    if counts["submitted"]:
        items.append(
            InboxItem(
                key="moderation",
                label=ngettext_lazy("campaign to review", "campaigns to review", counts["submitted"]),
                url=url,
                kind=STAFF,
                count=counts["submitted"],
            )
        )
    if counts["payout_refused"]:
        items.append(
            InboxItem(
                key="moderation",
                label=ngettext_lazy(
                    "campaign whose payout was refused", "campaigns whose payout was refused", counts["payout_refused"]
                ),
                url=url,
                kind=STAFF,
                count=counts["payout_refused"],
            )
        )
    return items
