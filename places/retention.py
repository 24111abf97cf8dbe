"""The places' part of legal retention (core.retention): the guests booked at the counter.

The name and phone of a guest who is not a member (places.services.counter) are blanked
BOCAGE_PLACES_GUEST_RETENTION_DAYS after the booking's end, once it is over (completed, cancelled
or a no-show): the booking itself (resource, times, price) stays, for the place's books and the
occupancy figures, with no name.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet

from core.retention import Rule

from .models import Booking

OVER = (Booking.Status.COMPLETED, Booking.Status.CANCELLED, Booking.Status.NO_SHOW)


def _guests_past(cutoff: datetime.datetime, now: datetime.datetime) -> QuerySet[Any]:
    return Booking.objects.filter(member__isnull=True, end__lt=cutoff, status__in=OVER).exclude(
        Q(guest_name="") & Q(guest_phone="")
    )


RULES = [
    Rule(
        "places.counter_guests",
        Booking,
        "BOCAGE_PLACES_GUEST_RETENTION_DAYS",
        _guests_past,
        update={"guest_name": "", "guest_phone": ""},
    ),
]
