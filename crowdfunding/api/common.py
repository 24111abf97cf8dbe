"""What the crowdfunding API views share: finding objects the caller may see, reading input."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.errors import NotFound, PermissionDenied
from core.typing import RequestUser
from crowdfunding import selectors
from crowdfunding.models import Campaign
from crowdfunding.services.campaigns import member_of
from members.models import Member

# The largest id a database row can have: beyond, the URL names nothing (and SQLite would overflow).
MAX_ID = 2**63 - 1


def checked_id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def visible_campaign(user: RequestUser, pk: int) -> Campaign:
    """The campaign if the caller may see it; 404 otherwise, whether it exists or not."""
    return selectors.campaign_get_visible(user=user, campaign_id=checked_id(pk))


def calling_member(user: RequestUser, refusal: str) -> Member:
    """The caller's member; 403 with `refusal` for a user who is none (staff or auditor accounts)."""
    member = member_of(user) if user.is_authenticated else None
    if member is None:
        raise PermissionDenied(refusal)
    return member
