"""Reads of members."""

from __future__ import annotations

from config.errors import NotFound
from config.typing import RequestUser

from .models import Member


def member_of(user: RequestUser) -> Member:
    member = Member.objects.filter(user_id=user.pk).first() if user.is_authenticated else None
    if member is None:
        raise NotFound()
    return member
