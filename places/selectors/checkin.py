"""What a manager who scanned a member's check-in code may see: that member's bookings of the
moment (from 30 minutes before the start to the end, confirmed or already checked in) at the
places the manager manages. Nothing of the member's other places or times."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from core.typing import Actor, acting_user
from members.models import Member
from places.models import Booking
from places.selectors.roles import managed_place_ids

# The same window as places.services.bookings.CHECK_IN_EARLY_MINUTES (a selector imports no service).
CHECK_IN_EARLY = dt.timedelta(minutes=30)


def manages_any_place(actor: Actor) -> bool:
    user = acting_user(actor)
    return user is not None and bool(managed_place_ids(user))


def checkin_candidates(actor: Actor, member: Member, *, now: dt.datetime | None = None) -> QuerySet[Booking]:
    now = now or timezone.now()
    user = acting_user(actor)
    if user is None:
        return Booking.objects.none()
    return (
        Booking.objects.select_related("resource", "resource__place")
        .filter(
            member=member,
            resource__place_id__in=managed_place_ids(user),
            status__in=[Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN],
            start__lte=now + CHECK_IN_EARLY,
            end__gt=now,
        )
        .order_by("start", "id")
    )
