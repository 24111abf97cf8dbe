"""Who is what to a place: its managers act on its bookings and qualifications; staff act on every
place; auditors (ledger.audit_ledger) read every booking and change nothing."""

from __future__ import annotations

from core.typing import RequestUser
from ledger.selectors import AUDIT_PERMISSION
from places.models import Place, PlaceManager


def is_staff(user: RequestUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def is_auditor(user: RequestUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(AUDIT_PERMISSION))


def managed_place_ids(user: RequestUser) -> set[int]:
    """The places the user acts on as a manager: their roles; every place for staff."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_staff:
        return set(Place.objects.values_list("id", flat=True))
    return set(PlaceManager.objects.filter(member__user_id=user.pk).values_list("place_id", flat=True))


def is_place_manager(user: RequestUser, place: Place | int) -> bool:
    """True for a manager of this place (a role on it) and for staff."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    place_id = place if isinstance(place, int) else place.pk
    return PlaceManager.objects.filter(member__user_id=user.pk, place_id=place_id).exists()


def reads_every_booking(user: RequestUser) -> bool:
    """Staff and auditors read the bookings of every place."""
    return is_staff(user) or is_auditor(user)
