"""What every app's API views share: row ids read from URLs, and input read through a serializer."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.errors import NotFound

# The largest id a database row can have (bigint): beyond, the URL names nothing (and SQLite would overflow).
MAX_ID = 2**63 - 1


def checked_id(value: int) -> int:
    """The id from a URL; NotFound (404) for one no row can have."""
    if not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The validated input; DRF's ValidationError (400, with the fields) otherwise."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
