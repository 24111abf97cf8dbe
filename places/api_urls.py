"""The places' API routes, under /api/ (config/urls.py includes this module)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from places.api import occupancy

urlpatterns: list[URLPattern | URLResolver] = [
    *occupancy.urlpatterns,
]
