"""Types shared by the apps."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User

# Who reads: the user of a request, maybe anonymous.
RequestUser: TypeAlias = User | AnonymousUser

# Who does something: a user from a request (maybe anonymous), or None for the system itself.
Actor: TypeAlias = User | AnonymousUser | None


def acting_user(actor: Actor) -> User | None:
    """The user to record as the author of a write (None for the system or an anonymous caller)."""
    return actor if isinstance(actor, User) else None
