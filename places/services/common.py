"""What the places' services share."""

from __future__ import annotations

from core.typing import Actor, acting_user
from members.models import Member
from members.selectors import member_or_none


def may_act_for(actor: Actor, member: Member) -> bool:
    """The actor is `member` themself, or staff acting for them."""
    caller = member_or_none(actor)
    if caller is not None and caller.pk == member.pk:
        return True
    user = acting_user(actor)
    return bool(user is not None and user.is_staff)
