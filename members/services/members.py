"""Members: creating one, its details and identity numbers, marking it closed."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import InvalidInput
from core.typing import Actor, acting_user

from ..identity import IDENTITY_CLEANERS
from ..models import Commune, Member
from .api_tokens import api_tokens_revoke_all

IDENTITY_KINDS: dict[str, set[str]] = {
    "siren": {Member.Kind.BUSINESS, Member.Kind.ASSOCIATION},
    "siret": {Member.Kind.BUSINESS, Member.Kind.ASSOCIATION},
    "vat_number": {Member.Kind.BUSINESS, Member.Kind.ASSOCIATION},
    "rna": {Member.Kind.ASSOCIATION},
    "iban": set(Member.Kind.values),
    "bic": set(Member.Kind.values),
}


def identity_clean(*, kind: str, numbers: dict[str, str]) -> dict[str, str]:
    """Validate and normalise identity numbers; InvalidInput with every field's error at once."""
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for field, raw in numbers.items():
        value = (raw or "").strip()
        if not value:
            cleaned[field] = ""
            continue
        if kind not in IDENTITY_KINDS[field]:
            errors[field] = [_("A member of this kind has no such number.")]
            continue
        try:
            cleaned[field] = IDENTITY_CLEANERS[field](value)
        except ValidationError as exc:
            errors[field] = [str(message) for message in exc.messages]
    if cleaned.get("siren") and cleaned.get("siret") and not cleaned["siret"].startswith(cleaned["siren"]):
        errors.setdefault("siret", []).append(_("The SIRET must begin with the SIREN."))
    if errors:
        raise InvalidInput(_("Some identity numbers are invalid."), fields=errors)
    return cleaned


def one_year_from(day: datetime.date) -> datetime.date:
    """The last day of a yearly membership starting on `day` (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year + 1) - datetime.timedelta(days=1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def member_create(
    *,
    actor: Actor,
    username: str,
    password: str | None,
    display_name: str,
    kind: str,
    email: str = "",
    commune: Commune | None = None,
    address: str = "",
    phone: str = "",
    activity: str = "",
    in_directory: bool = False,
    membership_starts_on: datetime.date | None = None,
    **identity: str,
) -> Member:
    """Create a user and its member (first year of membership), without accounts: joining
    (membership.services.member_join) calls this and opens them in the same transaction.

    A None password leaves the user unable to log in until one is set.

    Raises InvalidInput (unknown kind, username taken, invalid identity numbers).
    """

    user_model = get_user_model()
    if kind not in Member.Kind.values:
        raise InvalidInput(fields={"kind": [_("Unknown member kind.")]})
    unknown = set(identity) - set(IDENTITY_CLEANERS)
    if unknown:
        raise TypeError(f"unknown identity fields: {sorted(unknown)}")
    numbers = identity_clean(kind=kind, numbers=identity)
    taken = InvalidInput(fields={"username": [_("This username is already taken.")]})
    starts_on = membership_starts_on or timezone.localdate()
    with transaction.atomic():
        if user_model.objects.filter(username=username).exists():
            raise taken
        try:
            with transaction.atomic():
                user = user_model.objects.create_user(username=username, password=password, email=email)
        except IntegrityError:
            raise taken from None  # a concurrent request took it between the check and the insert
        member = Member.objects.create(
            user=user,
            display_name=display_name,
            kind=kind,
            commune=commune,
            address=address,
            phone=phone,
            activity=activity,
            in_directory=in_directory,
            membership_expires_on=one_year_from(starts_on),
            **numbers,
        )
        creator = acting_user(actor)
        if creator is not None and creator.is_staff:
            audit_record(actor=actor, action="member_create", target=member, kind=kind, username=username)
    return member


MEMBER_FIELDS = {
    "display_name",
    "commune",
    "address",
    "phone",
    "activity",
    "description",
    "website",
    "in_directory",
    "opening_hours",
    "directory_shows_address",
    "directory_shows_phone",
    "language",
    "show_name_as_backer",
}


def member_update(*, member: Member, actor: Actor, **changes: Any) -> Member:
    """Change a member's details and identity numbers (validated like at creation).

    Replacing an IBAN stamps `iban_changed_at`, whoever does it: reconversions then wait
    BOCAGE_IBAN_CHANGE_HOLD_DAYS (member_iban_change also audits and alerts the member). A first
    IBAN, where there was none, is no change of account: no wait.
    """
    identity = {field: changes.pop(field) for field in list(changes) if field in IDENTITY_CLEANERS}
    if set(changes) - MEMBER_FIELDS:
        raise TypeError(f"unknown member fields: {sorted(set(changes) - MEMBER_FIELDS)}")
    if "language" in changes and changes["language"] and changes["language"] not in dict(settings.LANGUAGES):
        raise InvalidInput(fields={"language": [_("Unknown language.")]})
    numbers = identity_clean(kind=member.kind, numbers=identity)
    stamped = []
    if "iban" in numbers and member.iban and numbers["iban"] != member.iban:
        member.iban_changed_at = timezone.now()
        stamped = ["iban_changed_at"]
    for field, value in {**changes, **numbers}.items():
        setattr(member, field, value)
    member.save(update_fields=[*changes, *numbers, *stamped])
    return member


def member_closed_mark(*, member: Member, actor: Actor) -> Member:
    """Mark a member closed and end its API tokens, inside the closing flow's transaction
    (membership.services.member_close, which first closes its accounts)."""

    with transaction.atomic(savepoint=False):
        member.status = Member.Status.CLOSED
        member.closed_at = timezone.now()
        member.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action="member_close", target=member)
        api_tokens_revoke_all(user=member.user, actor=actor, reason="member_close")
    return member
