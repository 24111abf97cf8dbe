"""The places' tables: the network of tiers-lieux, openings, resources and bookings (`places`), and
plans, carnets and the booking credits they give (`passes`). Import them from here."""

from places.models.passes import BookingCredit, Pass, PassOffer, Plan, PlanAllowance, Subscription
from places.models.places import (
    Booking,
    CalendarFeed,
    MemberQualification,
    OpeningException,
    OpeningRule,
    Place,
    PlaceKind,
    PlaceManager,
    PlacePhoto,
    PlaceService,
    Qualification,
    Resource,
    ResourceKind,
    ResourcePrice,
)
from places.models.series import BookingSeries

__all__ = [
    "Booking",
    "BookingCredit",
    "BookingSeries",
    "CalendarFeed",
    "MemberQualification",
    "OpeningException",
    "OpeningRule",
    "Pass",
    "PassOffer",
    "Place",
    "PlaceKind",
    "PlaceManager",
    "PlacePhoto",
    "PlaceService",
    "Plan",
    "PlanAllowance",
    "Qualification",
    "Resource",
    "ResourceKind",
    "ResourcePrice",
    "Subscription",
]
