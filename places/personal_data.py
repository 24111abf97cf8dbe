"""places' part of a member's personal data export: their bookings, the trainings places recorded
for them, the places they manage, their plans and carnets.

On leaving (members.erasure): the bookings stay, under the pseudonymised member (they are the books
of the place: what was used, when, and what it was paid through the ledger); the reason a manager
typed when cancelling one is erased. Their plans and carnets stay too (sales paid through the ledger;
no text of theirs). Their trainings and their roles on places are deleted: they
matter to no one once the member has left.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members.personal_data import Section

from .models import Booking, BookingSeries, MemberQualification, Pass, PlaceManager, Subscription


def _bookings(member: Any) -> Any:
    return Booking.objects.filter(member=member).order_by("pk")


def _bookings_erase(member: Any) -> int:
    return _bookings(member).exclude(cancel_reason="").update(cancel_reason="")


def _qualifications_erase(member: Any) -> int:
    return MemberQualification.objects.filter(member=member).delete()[0]


def _roles_erase(member: Any) -> int:
    return PlaceManager.objects.filter(member=member).delete()[0]


def _subscriptions(member: Any) -> Any:
    return Subscription.objects.filter(member=member).order_by("pk")


def _carnets(member: Any) -> Any:
    return Pass.objects.filter(member=member).order_by("pk")


# Plans and carnets hold no text of the member's; what was paid is the books of the place.
BOOKS_OF_THE_PLACE = "what was sold and paid through the ledger is the place's books (kept under the pseudonym)"

SECTIONS = (
    Section(
        "places/bookings",
        _("Your bookings of places"),
        Booking,
        _bookings,
        fields=(
            "id",
            "resource",
            "start",
            "end",
            "seats",
            "status",
            "created_at",
            "checked_in_at",
            "cancelled_at",
            "cancel_reason",
            "settled_at",
            "hold",
        ),
        computed=amounts_in("price", "fee"),
        erase=_bookings_erase,
    ),
    Section(
        "places/qualifications",
        _("Trainings the places recorded for you"),
        MemberQualification,
        lambda member: MemberQualification.objects.filter(member=member).order_by("pk"),
        fields=("id", "qualification", "granted_at", "revoked_at"),
        erase=_qualifications_erase,
    ),
    Section(
        "places/managed_places",
        _("Places you manage"),
        PlaceManager,
        lambda member: PlaceManager.objects.filter(member=member).order_by("pk"),
        fields=("id", "place", "created_at"),
        erase=_roles_erase,
    ),
    Section(
        "places/plans",
        _("Your plans of places"),
        Subscription,
        _subscriptions,
        fields=("id", "plan", "status", "start", "end", "current_period", "paid_until", "standing_order", "created_at"),
        computed=amounts_in("price"),
        keeps=BOOKS_OF_THE_PLACE,
    ),
    Section(
        "places/carnets",
        _("Your carnets"),
        Pass,
        _carnets,
        fields=(
            "id",
            "offer",
            "place",
            "resource_kind",
            "valid_until",
            "expired_at",
            "account",
            "purchase",
            "created_at",
        ),
        computed=amounts_in("price", unit_field="price_unit"),
        keeps=BOOKS_OF_THE_PLACE,
    ),
    Section(
        "places/booking_series",
        _("Your weekly bookings"),
        BookingSeries,
        lambda member: BookingSeries.objects.filter(member=member).order_by("pk"),
        fields=(
            "id",
            "resource",
            "weekday",
            "start_time",
            "end_time",
            "first_date",
            "last_date",
            "seats",
            "created_at",
            "cancelled_at",
        ),
        keeps="a weekly series stays with its bookings, under the pseudonym: it names no one else, holds no text",
    ),
)
