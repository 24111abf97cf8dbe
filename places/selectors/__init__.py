"""Reads of the network that decide who sees what: `catalogue` (public places and resources, opening
hours, "open now") and `search` (free resources across the network)."""

from places.selectors.catalogue import (
    OpeningHours,
    is_open_now,
    open_place_ids,
    opening_hours,
    public_place_get,
    public_places,
    public_resource_get,
    public_resources,
    upcoming_exceptions,
)
from places.selectors.search import ResourceAvailability, free_resources

__all__ = [
    "OpeningHours",
    "ResourceAvailability",
    "free_resources",
    "is_open_now",
    "open_place_ids",
    "opening_hours",
    "public_place_get",
    "public_places",
    "public_resource_get",
    "public_resources",
    "upcoming_exceptions",
]
