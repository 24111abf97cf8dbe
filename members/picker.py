"""The member picker: a form field naming one member by name, business or commune, or (old clients,
tests, the staff who know it) by username. core.picker draws it; this module says who is meant.

Resolution, in order: the id the script chose (an active member); the exact username (any member:
the service then says why it refuses a closed one); a bare number as an id; the display name,
accents and case aside, when exactly one active member bears it; "Name (Commune)" when several do.
Otherwise a clear error.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.picker import Picked, PickerField
from core.text import search_key

from .models import Member
from .selectors import members_named

WITH_COMMUNE = re.compile(r"^(?P<name>.+?)\s*\((?P<commune>[^()]+)\)\s*$")
MAX_ID = 2**63 - 1

NOT_FOUND = _("No member by this name. Type part of the name or the commune and choose from the list.")
AMBIGUOUS = _(
    "Several members are named “%(name)s”: add the commune in brackets, e.g. “%(example)s”, or choose from the list."
)


def _by_id(raw: str) -> Member | None:
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        return None
    return Member.objects.filter(pk=int(raw), status=Member.Status.ACTIVE).select_related("user").first()


def _label(member: Member) -> str:
    return f"{member.display_name} ({member.commune.name})" if member.commune else member.display_name


def member_resolve(picked: Picked) -> Member:
    """The member meant by what the picker posted; forms.ValidationError says why none is."""
    if picked.id:
        member = _by_id(picked.id)
        if member is not None:
            return member
    text = picked.text
    if not text:
        raise forms.ValidationError(NOT_FOUND, code="member_not_found")
    by_username = Member.objects.filter(user__username=text).select_related("user").first()
    if by_username is not None:
        return by_username
    if text.isascii() and text.isdigit():  # a bare number is an id (the shareholder form's old select posted it)
        member = _by_id(text)
        if member is not None:
            return member
    matches = members_named(text)
    parts = WITH_COMMUNE.match(text)
    if len(matches) != 1 and parts is not None:
        commune = search_key(parts["commune"])
        matches = [
            member
            for member in members_named(parts["name"])
            if member.commune is not None and search_key(member.commune.name) == commune
        ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        name = parts["name"].strip() if parts is not None else text
        raise forms.ValidationError(
            AMBIGUOUS, code="member_ambiguous", params={"name": name, "example": _label(matches[0])}
        )
    raise forms.ValidationError(NOT_FOUND, code="member_not_found")


class MemberField(PickerField):
    """A member chosen by name; cleaned to the Member. `exclude_self`: the search leaves out the
    member typing (paying oneself); the services still refuse it whatever was posted."""

    def __init__(self, *, exclude_self: bool = False, **kwargs: Any) -> None:
        url: Any = reverse_lazy("member-search")
        if exclude_self:
            url = format_lazy("{}?exclude=self", url)
        kwargs.setdefault("help_text", _("Type part of their name, business or commune, then choose."))
        super().__init__(resolver=member_resolve, search_url=url, **kwargs)
