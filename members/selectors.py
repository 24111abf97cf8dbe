"""Reads of members."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from config.errors import NotFound

from .models import Member


def member_of(user: AbstractBaseUser | AnonymousUser) -> Member:
    member = Member.objects.filter(user_id=user.pk).first() if user.is_authenticated else None
    if member is None:
        raise NotFound()
    return member
