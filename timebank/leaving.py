"""What of the time bank keeps a member from leaving (members.leaving): service records not
confirmed or declined yet, asked by the member or waiting for their confirmation."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from members.leaving import REQUESTS_PENDING, Obstacle
from members.models import Member

from .models import ServiceRecord
from .selectors import service_records_asked, service_records_to_confirm


def obstacles(member: Member) -> Iterator[Obstacle]:
    user = member.user
    for record in service_records_to_confirm(user).filter(receiver=member).order_by("id"):
        yield Obstacle(
            code=REQUESTS_PENDING,
            message=_("A service given to you by %(provider)s waits for your confirmation: confirm or decline it.")
            % {"provider": record.provider.display_name},
            url=reverse("timebank-home"),
            details={"service_record": record.pk},
        )
    asked = service_records_asked(user).filter(provider=member, status=ServiceRecord.Status.PENDING)
    for record in asked.order_by("id"):
        yield Obstacle(
            code=REQUESTS_PENDING,
            message=_("The hours you asked of %(receiver)s are not confirmed yet.")
            % {"receiver": record.receiver.display_name},
            url=reverse("timebank-home"),
            details={"service_record": record.pk},
        )
