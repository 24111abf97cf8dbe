"""What of crowdfunding keeps a member from leaving (members.leaving): the campaigns they own that
are not closed (a draft or a submitted one the owner may cancel; the others wait for their end and
their payout)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from members.leaving import CAMPAIGNS_RUNNING, Obstacle
from members.models import Member

from .models import Campaign
from .selectors import campaigns_of_owner

NOT_CLOSED = (
    Campaign.Status.DRAFT,
    Campaign.Status.SUBMITTED,
    Campaign.Status.APPROVED,
    Campaign.Status.LIVE,
    Campaign.Status.SUCCEEDED,
)


def obstacles(member: Member) -> Iterator[Obstacle]:
    for campaign in campaigns_of_owner(user=member.user).filter(status__in=NOT_CLOSED).order_by("id"):
        yield Obstacle(
            code=CAMPAIGNS_RUNNING,
            message=_(
                "Your campaign “%(title)s” is not closed (%(status)s): cancel it if you still can, "
                "or wait for its end and its payout."
            )
            % {"title": campaign.title, "status": campaign.get_status_display()},
            url=reverse("campaign-mine"),
            details={"campaign": campaign.pk, "status": campaign.status},
        )
