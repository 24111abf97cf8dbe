"""Writes of members: every one takes the actor that does it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.mail import outbound_email_queue
from core.models import AuditEvent
from core.notifications import notify
from core.queueing import enqueue_on_commit
from core.typing import Actor, acting_user

from . import mails, tokens
from .errors import EmailChangeLinkInvalid, EmailChangeTooFrequent, EmailTaken
from .identity import IDENTITY_CLEANERS
from .models import ApiToken, Commune, Member, PersonalDataExport, UserSession
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


def member_profile_update(*, member: Member, actor: Actor, **changes: Any) -> list[str]:
    """The member's own profile: changes what differs, audits the names of the changed fields
    (never their values); returns those names. Not for identity numbers (the IBAN has its own)."""
    if set(changes) & set(IDENTITY_CLEANERS):
        raise TypeError("identity numbers are not changed through the profile")
    changed = {field: value for field, value in changes.items() if getattr(member, field) != value}
    if not changed:
        return []
    with transaction.atomic(durable=True):
        member_update(member=member, actor=actor, **changed)
        audit_record(actor=actor, action="member_profile_update", target=member, fields=sorted(changed))
    return sorted(changed)


def masked_iban(iban: str) -> str:
    """An IBAN as the audit log and the alerts show it: its last four characters only."""
    return f"…{iban[-4:]}" if iban else "—"


def member_iban_change(*, member: Member, actor: Actor, iban: str, bic: str) -> Member:
    """A business or association changes its IBAN (and BIC), validated with stdnum; audited with
    both IBANs masked, the member alerted on the site and by mail (whatever their mail choices:
    it is a security alert). Replacing an IBAN holds reconversions BOCAGE_IBAN_CHANGE_HOLD_DAYS.

    Raises InvalidInput (an individual, an invalid or empty IBAN or BIC).
    """
    if member.kind == Member.Kind.INDIVIDUAL:
        raise InvalidInput(fields={"iban": [_("Only businesses and associations give an IBAN here.")]})
    if not (iban or "").strip():
        raise InvalidInput(fields={"iban": [_("Give the new IBAN.")]})
    numbers = identity_clean(kind=member.kind, numbers={"iban": iban, "bic": bic})
    if numbers["iban"] == member.iban and numbers["bic"] == member.bic:
        return member
    with transaction.atomic(durable=True):
        member = Member.objects.select_for_update().get(pk=member.pk)
        old = member.iban
        member_update(member=member, actor=actor, **numbers)
        if numbers["iban"] == old:
            return member  # only the BIC changed: no hold, no alert
        audit_record(
            actor=actor, action="member_iban_change", target=member, old=masked_iban(old), new=masked_iban(member.iban)
        )
        when = timezone.localtime(member.iban_changed_at or timezone.now())
        params = {"iban": masked_iban(member.iban), "date": when.date().isoformat()}
        mail = mails.iban_changed(member, when)
        notify(member.user, "iban_changed", params, url="/me/profile/", email=(mail["subject"], mail["body"]))
    return member


# --- the e-mail address: changed once the new address confirms it --------------------------

EMAIL_CHANGE_SALT = "bocage.members.email_change"


def email_change_request(*, member: Member, actor: Actor, new_email: str, confirm_url: Callable[[str], str]) -> str:
    """Ask to change the member's e-mail: a signed link (valid BOCAGE_EMAIL_CHANGE_LINK_SECONDS) goes to
    the NEW address, a notice to the old one; nothing changes until the link is followed
    (email_change_confirm). `confirm_url` makes the link's absolute URL from its signed value.

    Raises InvalidInput (not an address, the same address), EmailTaken, EmailChangeTooFrequent
    (more than BOCAGE_EMAIL_CHANGE_PER_HOUR requests in the last hour). Returns the signed value.
    """
    new_email = (new_email or "").strip()
    try:
        validate_email(new_email)
    except ValidationError:
        raise InvalidInput(fields={"email": [_("Enter a valid e-mail address.")]}) from None
    user = member.user
    if new_email.lower() == (user.email or "").lower():
        raise InvalidInput(fields={"email": [_("This is already your address.")]})
    if _email_used_by_another(user, new_email):
        raise EmailTaken(fields={"email": [str(EmailTaken.default_message)]})
    with transaction.atomic(durable=True):
        Member.objects.select_for_update().filter(pk=member.pk).first()  # one request at a time per member
        since = timezone.now() - datetime.timedelta(hours=1)
        recent = AuditEvent.objects.filter(
            action="member_email_change_request",
            object_type=Member._meta.label_lower,
            object_id=str(member.pk),
            created_at__gte=since,
        ).count()
        if recent >= settings.BOCAGE_EMAIL_CHANGE_PER_HOUR:
            raise EmailChangeTooFrequent
        signed = signing.dumps({"member": member.pk, "old": user.email, "new": new_email}, salt=EMAIL_CHANGE_SALT)
        audit_record(actor=actor, action="member_email_change_request", target=member)
        outbound_email_queue(to=new_email, **mails.email_change_confirm(member, confirm_url(signed)))
        if user.email:
            outbound_email_queue(to=user.email, **mails.email_change_notice(member))
    return signed


def _email_change_read(user: Any, signed: str) -> dict[str, Any]:
    try:
        data = signing.loads(signed, salt=EMAIL_CHANGE_SALT, max_age=settings.BOCAGE_EMAIL_CHANGE_LINK_SECONDS)
    except signing.BadSignature:
        raise EmailChangeLinkInvalid from None
    if not isinstance(data, dict) or data.get("member") != getattr(getattr(user, "member", None), "pk", None):
        raise EmailChangeLinkInvalid
    if (user.email or "") != data.get("old", ""):
        raise EmailChangeLinkInvalid
    return data


def email_change_preview(*, user: Any, signed: str) -> str:
    """The new address a link would set for `user` (EmailChangeLinkInvalid as email_change_confirm)."""
    return str(_email_change_read(user, signed)["new"])


def email_change_confirm(*, user: Any, signed: str) -> Member:
    """Apply the change the signed link carries, for the logged-in `user` it was asked by.

    Raises EmailChangeLinkInvalid (tampered, expired, another user's, or the address changed since:
    a link works once) and EmailTaken (the address was taken meanwhile).
    """
    data = _email_change_read(user, signed)
    with transaction.atomic(durable=True):
        member = Member.objects.select_for_update().select_related("user").filter(pk=data.get("member")).first()
        if member is None or member.user_id != user.pk or member.status != Member.Status.ACTIVE:
            raise EmailChangeLinkInvalid
        if (member.user.email or "") != data.get("old", ""):
            raise EmailChangeLinkInvalid
        new_email = data["new"]
        if _email_used_by_another(member.user, new_email):
            raise EmailTaken
        member.user.email = new_email
        member.user.save(update_fields=["email"])
        audit_record(actor=user, action="member_email_change", target=member)
    return member


def _email_used_by_another(user: Any, email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exclude(pk=user.pk).exists()


# --- sessions: the list of one's logins, each one ended from there -------------------------


def user_session_record(*, user: Any, session_key: str, device: str) -> UserSession:
    """Note a new login (the user_logged_in receiver); a session key seen again is refreshed."""
    now = timezone.now()
    session, _created = UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "device": device[:60], "created_at": now, "last_seen_at": now}
    )
    return session


def user_session_end(*, session: UserSession, actor: Actor) -> None:
    """End one session: removed from the session store (its browser is logged out) and from the list."""
    with transaction.atomic(durable=True):
        SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
        SessionStore(session_key=session.session_key).delete()
        audit_record(actor=actor, action="user_session_end", target=session.user, device=session.device)
        session.delete()


def user_sessions_end_others(*, user: Any, keep_session_key: str, actor: Actor) -> int:
    """End every session of `user` but the one in use; returns how many."""
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic(durable=True):
        others = list(UserSession.objects.filter(user=user).exclude(session_key=keep_session_key))
        for session in others:
            SessionStore(session_key=session.session_key).delete()
        UserSession.objects.filter(pk__in=[session.pk for session in others]).delete()
        if others:
            audit_record(actor=actor, action="user_sessions_end", target=user, sessions=len(others))
    return len(others)


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
    with transaction.atomic(durable=True):
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
