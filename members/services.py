"""Writes of members: every one takes the actor that does it."""

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
from core.errors import InvalidInput, PermissionDenied
from core.queueing import enqueue_on_commit
from core.typing import Actor, acting_user

from . import tokens
from .identity import IDENTITY_CLEANERS
from .models import ApiToken, Commune, Member, PersonalDataExport
from .tasks import run_personal_data_export

# The flows that reach the ledger (joining opens accounts, the fee is posted, closing needs empty
# accounts) sit above it, in membership/: this app imports neither.


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


def member_update(*, member: Member, actor: Actor, **changes: Any) -> Member:
    """Change a member's details and identity numbers (validated like at creation)."""
    identity = {field: changes.pop(field) for field in list(changes) if field in IDENTITY_CLEANERS}
    allowed = {"display_name", "commune", "address", "phone", "activity", "description", "website", "in_directory"}
    if set(changes) - allowed:
        raise TypeError(f"unknown member fields: {sorted(set(changes) - allowed)}")
    numbers = identity_clean(kind=member.kind, numbers=identity)
    for field, value in {**changes, **numbers}.items():
        setattr(member, field, value)
    member.save(update_fields=[*changes, *numbers])
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


def api_token_create(*, user: Any, device: str = "", actor: Actor) -> tuple[ApiToken, str]:
    """Issue one more API token to `user` (one per device); returns it and its key, shown only now."""

    key = tokens.new_key()
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            digest=tokens.key_digest(key),
            device=device.strip()[:100],
            password_fingerprint=tokens.password_fingerprint(user),
            created_at=now,
            expires_at=now + datetime.timedelta(days=settings.BOCAGE_API_TOKEN_DAYS),
        )
        audit_record(actor=actor, action="api_token_create", target=token, user=user.pk, device=token.device)
    return token, key


def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Revoke one token; revoking it again changes nothing."""

    with transaction.atomic():
        now = timezone.now()
        if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
            token.revoked_at = now
            audit_record(actor=actor, action="api_token_revoke", target=token, user=token.user_id)
    return token


def api_tokens_revoke_all(*, user: Any, actor: Actor, reason: str) -> int:
    """Revoke every live token of `user` (closing, a second factor turned on); returns how many."""

    with transaction.atomic(savepoint=False):
        live = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True).values_list("pk", flat=True))
        if live:
            ApiToken.objects.filter(pk__in=live).update(revoked_at=timezone.now())
            audit_record(actor=actor, action="api_tokens_revoke", target=user, reason=reason, tokens=live)
    return len(live)


def api_token_touch(*, token: ApiToken) -> None:
    """Slide a token's expiry on use: written at most once per BOCAGE_API_TOKEN_TOUCH_SECONDS, not per request."""
    now = timezone.now()
    if token.last_used_at and (now - token.last_used_at).total_seconds() < settings.BOCAGE_API_TOKEN_TOUCH_SECONDS:
        return
    expires_at = now + datetime.timedelta(days=settings.BOCAGE_API_TOKEN_DAYS)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, expires_at=expires_at)
    token.last_used_at, token.expires_at = now, expires_at


def personal_data_export_request(*, member: Member, actor: Actor) -> PersonalDataExport:
    """Ask for a copy of everything Bocage holds about `member` (RGPD), built in the background.

    Only the member may ask (PermissionDenied otherwise). While one is queued or running, asking
    again returns it: no second export. Audited (`personal_data_export`)."""
    user = acting_user(actor)
    if user is None or user.pk != member.user_id:
        raise PermissionDenied(_("Only the member may ask for a copy of their data."))
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()  # one request at a time per member
        pending = (
            PersonalDataExport.objects.filter(
                member=member,
                status__in=[PersonalDataExport.Status.QUEUED, PersonalDataExport.Status.RUNNING],
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if pending is not None:
            return pending
        export = PersonalDataExport.objects.create(member=member)
        audit_record(actor=user, action="personal_data_export", target=member, export_id=export.pk)
        enqueue_on_commit(run_personal_data_export, export.pk)
    return export
