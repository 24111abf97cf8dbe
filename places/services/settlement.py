"""Settling the bookings that ended, by the beat: a confirmed booking `grace` after its end (its
money and credit holds captured in full), a checked-in one at its end (already paid), a guest's
unpaid booking at the counter marked a no-show. Chunks of bookings by ascending id, one database
transaction each, the holds captured through the ledger's batch path (holds_capture_batch)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import ApplicationError
from core.retries import with_retries
from ledger.errors import HoldAlreadyResolved
from ledger.services import HoldCapture, holds_capture_batch
from places.models import Booking
from places.openings import to_utc
from places.services.booking_credits import credit_hold_ids

__all__ = ["SETTLE_CHUNK_SIZE", "booking_settle", "bookings_settle_chunk", "bookings_settle_due"]

logger = logging.getLogger("bocage.places")
S = Booking.Status

# The beat's chunk: this many bookings by ascending id per database transaction.
SETTLE_CHUNK_SIZE = 500


def _grace(grace_minutes: int | None) -> dt.timedelta:
    return dt.timedelta(minutes=settings.BOCAGE_PLACES_SETTLE_GRACE_MINUTES if grace_minutes is None else grace_minutes)


def _settle_locked(booking_ids: list[int], now: dt.datetime, grace: dt.timedelta) -> list[Booking]:
    """Lock the bookings (by id) and complete those due: a checked-in one at its end (already paid),
    a confirmed one `grace` after its end, its money hold and its credit holds captured in full by
    one batch (holds_capture_batch), a guest's unpaid one at the counter marked a no-show (nothing
    posted). Returns the bookings settled; in the caller's transaction."""
    locked = list(Booking.objects.select_for_update(of=("self",)).filter(pk__in=booking_ids).order_by("pk"))
    settled: list[Booking] = []
    to_capture: list[Booking] = []
    for booking in locked:
        if booking.status == S.CHECKED_IN and booking.end <= now:
            booking.status = S.COMPLETED
            settled.append(booking)
        elif booking.status == S.CONFIRMED and booking.end + grace <= now:
            booking.status = S.COMPLETED if booking.member_id is not None else S.NO_SHOW
            booking.settled_at = now
            settled.append(booking)
            if booking.member_id is not None:
                to_capture.append(booking)
    holds = {booking.pk: [booking.hold_id] if booking.hold_id is not None else [] for booking in to_capture}
    for booking_id, hold_id in credit_hold_ids([booking.pk for booking in to_capture]):
        holds[booking_id].append(hold_id)
    captures = [(booking_id, hold_id) for booking_id, ids in holds.items() for hold_id in ids]
    outcomes = holds_capture_batch(captures=[HoldCapture(hold_id=hold_id) for _b, hold_id in captures], actor=None)
    refused: set[int] = set()
    for (booking_id, hold_id), outcome in zip(captures, outcomes, strict=True):
        if isinstance(outcome, HoldAlreadyResolved):
            # Expired (the beat was down past the hold's margin) or voided: nothing left to take.
            logger.warning("booking %s: its hold %s was resolved before the capture", booking_id, hold_id)
        elif isinstance(outcome, ApplicationError):
            # Refused by the ledger (a frozen account): the booking stays to settle, the next beat tries again.
            logger.warning("booking %s: its hold %s could not be captured (%s)", booking_id, hold_id, outcome.code)
            refused.add(booking_id)
    settled = [booking for booking in settled if booking.pk not in refused]
    if settled:
        Booking.objects.bulk_update(settled, ["status", "settled_at"])
    return settled


def booking_settle(*, booking_id: int, now: dt.datetime | None = None, grace_minutes: int | None = None) -> bool:
    """Complete one booking that has ended: a confirmed one `grace_minutes` after its end (its hold
    captured in full), a checked-in one at its end (already paid). A guest's booking at the counter
    not checked in by then is marked a no-show, not completed: it was never paid, and nothing is
    posted. False, and nothing written, when
    it is not due or already settled: safe to run twice or concurrently."""
    return bool(bookings_settle_chunk([booking_id], now=now, grace_minutes=grace_minutes))


def bookings_settle_chunk(
    booking_ids: list[int], *, now: dt.datetime | None = None, grace_minutes: int | None = None
) -> list[Booking]:
    """Settle these bookings (those still due: booking_settle's rules) in ONE database transaction:
    their holds captured by one batch, the bookings updated in bulk, committing together. Safe to
    run twice, by two workers, or after a worker died half-way: a settled booking is not due any
    more, a captured hold answers as captured. Returns the bookings settled."""
    moment = to_utc(now or timezone.now())
    grace = _grace(grace_minutes)

    def attempt() -> list[Booking]:
        with transaction.atomic(durable=True):
            return _settle_locked(booking_ids, moment, grace)

    return with_retries(attempt)


def bookings_settle_due(
    *, now: dt.datetime | None = None, grace_minutes: int | None = None, chunk_size: int = SETTLE_CHUNK_SIZE
) -> int:
    """Complete every booking that has ended (a guest's unpaid booking at the counter becomes a
    no-show), in chunks of `chunk_size` bookings by ascending id, each chunk in its own transaction
    (bookings_settle_chunk); returns how many were settled. Safe to run twice, concurrently, or
    after dying half-way."""
    moment = to_utc(now or timezone.now())
    grace = _grace(grace_minutes)
    due = list(
        Booking.objects.filter(Q(status=S.CONFIRMED, end__lte=moment - grace) | Q(status=S.CHECKED_IN, end__lte=moment))
        .order_by("id")
        .values_list("id", flat=True)
    )
    settled = 0
    for start in range(0, len(due), chunk_size):
        chunk = due[start : start + chunk_size]
        try:
            settled += len(bookings_settle_chunk(chunk, now=moment, grace_minutes=grace_minutes))
        except Exception:
            # One broken booking never stops the others: its chunk is settled again booking by booking.
            logger.exception("bookings %s… could not be settled as a chunk", chunk[0])
            settled += _settle_one_by_one(chunk, moment, grace_minutes)
    return settled


def _settle_one_by_one(booking_ids: list[int], now: dt.datetime, grace_minutes: int | None) -> int:
    settled = 0
    for booking_id in booking_ids:
        try:
            settled += booking_settle(booking_id=booking_id, now=now, grace_minutes=grace_minutes)
        except Exception:
            # The next beat tries it again.
            logger.exception("booking %s could not be settled", booking_id)
    return settled
