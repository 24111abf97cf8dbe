"""What of the SEL marketplace keeps a member from leaving (members.leaving): exchanges not finished."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from members.leaving import EXCHANGES_OPEN, Obstacle
from members.models import Member

from .models import Exchange
from .selectors.exchanges import exchanges_of

# An exchange in these states still waits for someone (an answer, a delivery, a confirmation, a
# moderator): its hold, if any, is still open.
NOT_FINISHED = (
    Exchange.Status.REQUESTED,
    Exchange.Status.ACCEPTED,
    Exchange.Status.DELIVERED,
    Exchange.Status.DISPUTED,
)


def obstacles(member: Member) -> Iterator[Obstacle]:
    for exchange in exchanges_of(member).filter(status__in=NOT_FINISHED).order_by("id"):
        yield Obstacle(
            code=EXCHANGES_OPEN,
            message=_("The exchange “%(title)s” is not finished (%(status)s): finish, decline or cancel it.")
            % {"title": exchange.listing.title, "status": exchange.get_status_display()},
            url=reverse("exchange-detail", args=[exchange.pk]),
            details={"exchange": exchange.pk, "status": exchange.status},
        )
