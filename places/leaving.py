"""What of the places keeps a member from leaving (members.leaving): bookings still to come.

They are not cancelled on the member's behalf: a late cancellation may keep a fee, which the
member must see and choose (from their bookings page) rather than find done.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from members.leaving import BOOKINGS_UPCOMING, Obstacle
from members.models import Member

from .notifications import BOOKINGS_PATH
from .selectors.bookings import member_upcoming_bookings


def obstacles(member: Member) -> Iterator[Obstacle]:
    for booking in member_upcoming_bookings(member.pk).select_related("resource", "resource__place").order_by("start"):
        when = f"{timezone.localtime(booking.start):%d/%m/%Y %H:%M}"
        yield Obstacle(
            code=BOOKINGS_UPCOMING,
            message=_("Your booking of %(resource)s (%(place)s) on %(date)s is still to come: cancel it first.")
            % {"resource": booking.resource.name, "place": booking.resource.place.name, "date": when},
            url=BOOKINGS_PATH,
            details={"booking": booking.pk},
        )
