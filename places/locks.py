"""Every row lock the places take, here and nowhere else.

Why: two bookings racing for the last seat must not both see it free. A booking locks the rows of
its resource's family (the resource, its ancestors and its descendants: booking the whole room
takes its desks) before it counts the seats, and keeps them until it commits; a second booking of
the family waits, then counts the first one.

The order, the same for everyone (the ledger's order continues after it, ledger/locks.py):

1. the resources of the family, in ascending id order, in one statement (`resources_lock`);
   PostgreSQL's trigger on places_booking locks the root of the family again: already held;
2. then the booking being changed (`booking_lock`);
3. then the ledger's holds and accounts (through ledger.services).

A change to an existing booking (cancel, check-in, no-show, settle) takes only its booking row,
then the ledger's: it frees seats or changes nothing of the occupation, so it need not queue
behind the bookings being made.
SQLite locks the whole database at the first write: the same calls are harmless there.
"""

from __future__ import annotations

from collections.abc import Iterable

from places.models import Booking, Resource


def resources_lock(resource_ids: Iterable[int]) -> dict[int, Resource]:
    """Lock the resources (FOR NO KEY UPDATE: the foreign-key checks of new bookings still pass) in
    ascending id order and return them by id."""
    ids = sorted(set(resource_ids))
    rows = Resource.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("id")
    return {resource.pk: resource for resource in rows}


def booking_lock(booking_id: int) -> Booking:
    """Lock one booking (FOR UPDATE) before changing its status: it is settled exactly once."""
    return Booking.objects.select_for_update().select_related("resource", "resource__place").get(pk=booking_id)
