"""Writes of members: every one takes the actor that does it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.errors import InvalidInput
from config.typing import Actor

from .models import Member


def member_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    display_name: str,
    kind: str,
    email: str = "",
) -> Member:
    """Create a user, its member and its accounts (one per member unit). Raises InvalidInput."""
    # Opening a member opens its accounts (DESIGN.md): the ledger owns accounts, so this one
    # write goes through its service rather than duplicating account rules here.
    from ledger.services import accounts_open_for_member

    user_model = get_user_model()
    if kind not in Member.Kind.values:
        raise InvalidInput(fields={"kind": [_("Unknown member kind.")]})
    taken = InvalidInput(fields={"username": [_("This username is already taken.")]})
    with transaction.atomic():
        if user_model.objects.filter(username=username).exists():
            raise taken
        try:
            with transaction.atomic():
                user = user_model.objects.create_user(username=username, password=password, email=email)
        except IntegrityError:
            raise taken from None  # a concurrent request took it between the check and the insert
        member = Member.objects.create(user=user, display_name=display_name, kind=kind)
        accounts_open_for_member(member=member, actor=actor)
    return member
