"""Check-in by the member's QR code: a short-lived signed token naming the member, scanned by a
manager of the place, who then checks in the member's bookings of the moment.

The token is `django.core.signing.TimestampSigner(salt="places.checkin")` over the member's id:
it proves the member showed their page within the last 5 minutes (their page shows a fresh one
every minute); it carries no name and grants nothing by itself. A manager who opened the scan page
in time has 10 minutes more to press "Valider l’arrivée". The check-in itself is
`booking_check_in` (a manager of the place, from 30 minutes before the start to the end; the
booking locked, so a second scan or a double click checks in once).
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.utils import timezone

from core.typing import Actor
from members.models import Member
from places.errors import BookingNotFound, CheckInCodeInvalid
from places.models import Booking
from places.selectors.checkin import checkin_candidates
from places.services.bookings import booking_check_in

__all__ = ["CODE_MAX_AGE", "CONFIRM_GRACE", "checkin_by_code", "checkin_code", "checkin_code_member"]

SALT = "places.checkin"
CODE_MAX_AGE = dt.timedelta(minutes=5)
# After opening the scan page in time, how long the manager has to validate.
CONFIRM_GRACE = dt.timedelta(minutes=10)
# A phone's clock a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=1)


class _Signer(signing.TimestampSigner):
    """A TimestampSigner that stamps `now` (the real clock by default) rather than time.time()."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        super().__init__(salt=SALT)
        self._now = now

    def timestamp(self) -> str:
        moment = self._now or timezone.now()
        return signing.b62_encode(int(moment.timestamp()))


def checkin_code(member: Member, *, now: dt.datetime | None = None) -> str:
    """The member's check-in token, valid 5 minutes from `now`."""
    return _Signer(now).sign(str(member.pk))


def checkin_code_member(token: str, *, now: dt.datetime | None = None, grace: dt.timedelta = dt.timedelta()) -> Member:
    """The member a token names, if signed by us less than 5 minutes (+ `grace`) before `now`.
    Raises CheckInCodeInvalid for a forged, malformed, expired or future token, or a member gone."""
    now = now or timezone.now()
    signer = _Signer(now)
    try:
        # The signature over "<member>:<timestamp>" (Signer.unsign, the timestamp not yet read).
        stamped = signing.Signer.unsign(signer, token)
        member_id, stamp = stamped.rsplit(signer.sep, 1)
        signed_at = dt.datetime.fromtimestamp(signing.b62_decode(stamp), tz=dt.UTC)
    except (signing.BadSignature, ValueError):
        raise CheckInCodeInvalid() from None
    age = now - signed_at
    if age > CODE_MAX_AGE + grace or age < -CLOCK_SKEW or not member_id.isdigit():
        raise CheckInCodeInvalid()
    member = Member.objects.select_related("user").filter(pk=int(member_id)).first()
    if member is None:
        raise CheckInCodeInvalid()
    return member


def checkin_by_code(*, token: str, booking_id: int, actor: Actor, now: dt.datetime | None = None) -> Booking:
    """A manager validates the arrival of the token's member for one of their bookings of the moment
    at a place the manager manages. Raises CheckInCodeInvalid (nothing written), BookingNotFound
    (not one of those bookings), and booking_check_in's refusals; a repeat returns the booking."""
    now = now or timezone.now()
    member = checkin_code_member(token, now=now, grace=CONFIRM_GRACE)
    booking = checkin_candidates(actor, member, now=now).filter(pk=booking_id).first()
    if booking is None:
        raise BookingNotFound()
    return booking_check_in(booking=booking, actor=actor, now=now)
