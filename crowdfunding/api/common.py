"""What the crowdfunding API views share: finding objects the caller may see, reading input."""

from __future__ import annotations

from core.api import checked_id
from core.errors import PermissionDenied
from core.typing import RequestUser
from crowdfunding import selectors
from crowdfunding.models import Campaign
from members.models import Member
from members.selectors import member_or_none


def visible_campaign(user: RequestUser, pk: int) -> Campaign:
    """The campaign if the caller may see it; 404 otherwise, whether it exists or not."""
    return selectors.campaign_get_visible(user=user, campaign_id=checked_id(pk))


def calling_member(user: RequestUser, refusal: str) -> Member:
    """The caller's member; 403 with `refusal` for a user who is none (staff or auditor accounts)."""
    member = member_or_none(user)
    if member is None:
        raise PermissionDenied(refusal)
    return member
