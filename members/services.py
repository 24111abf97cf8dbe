"""Writes of members: every one takes the actor that does it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from config.mail import outbound_email_queue
from core.errors import ApplicationError, InvalidInput
from core.typing import Actor, acting_user

from . import tokens
from .identity import IDENTITY_CLEANERS
from .models import ApiToken, Commune, Member, MembershipPayment

# Opening a member opens its accounts, a fee is posted, closing needs empty accounts: the ledger
# owns accounts and postings, so these few writes call its services (imported where used, since
# the ledger's models import this app's).


class MemberClosed(ApplicationError):
    code = "member_closed"
    default_message = _("This member is closed.")


class MemberNotEmpty(ApplicationError):
    code = "member_not_empty"
    default_message = _("A member can be closed only with zero balances and no open hold.")


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


def _one_year_from(day: datetime.date) -> datetime.date:
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
    """Create a user, its member (first year of membership) and its accounts.

    A None password leaves the user unable to log in until one is set.

    Raises InvalidInput (unknown kind, username taken, invalid identity numbers).
    """
    from ledger.audit import audit_record
    from ledger.services import accounts_open_for_member

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
            membership_expires_on=_one_year_from(starts_on),
            **numbers,
        )
        accounts_open_for_member(member=member, actor=actor)
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


def membership_fee(member: Member) -> Decimal:
    return Decimal(settings.BOCAGE_MEMBERSHIP_FEES[member.kind])


def membership_renew(*, member: Member, unit: str, actor: Actor) -> MembershipPayment:
    """Pay a year of membership: from the member's ACH account, or in euros received by the
    association (EUR world → fees). The new year starts the day after the current one ends.

    Raises MemberClosed, InvalidInput (unit), and the ledger's refusals (insufficient_funds).
    """
    from djmoney.money import Money

    from ledger.models import Account
    from ledger.selectors import member_account
    from ledger.services import system_account, transaction_post
    from ledger.units import get_unit

    if member.status == Member.Status.CLOSED:
        raise MemberClosed()
    if unit not in {"EUR", settings.BOCAGE_LOCAL_UNIT}:
        raise InvalidInput(fields={"unit": [_("The membership fee is paid in EUR or ACH.")]})
    today = timezone.localdate()
    current_end = member.membership_expires_on
    starts_on = current_end + datetime.timedelta(days=1) if current_end and current_end >= today else today
    fee = Money(membership_fee(member), unit)
    if unit == settings.BOCAGE_LOCAL_UNIT:
        payer = member_account(member, settings.BOCAGE_LOCAL_UNIT)
    else:
        payer = system_account(Account.SystemCode.WORLD, "EUR")
    fees = system_account(Account.SystemCode.FEES, unit)
    with override(settings.LANGUAGE_CODE):
        memo = _("Membership %(start)s – %(end)s") % {"start": starts_on, "end": _one_year_from(starts_on)}
    txn = transaction_post(
        legs=[(payer, -fee), (fees, fee)],
        kind="membership",
        memo=memo,
        actor=actor,
        idempotency_key=f"membership:{member.pk}:{starts_on.isoformat()}",
    )
    with transaction.atomic():
        payment, _created = MembershipPayment.objects.get_or_create(
            member=member,
            period_start=starts_on,
            defaults={
                "period_end": _one_year_from(starts_on),
                "unit": unit,
                "amount": get_unit(unit).to_minor(fee),
                "transaction_id": txn.pk,
                "actor": acting_user(actor),
            },
        )
        Member.objects.filter(pk=member.pk).update(membership_expires_on=payment.period_end)
    member.membership_expires_on = payment.period_end
    return payment


def member_close(*, member: Member, actor: Actor) -> Member:
    """Close a member: every account must be at zero with no open hold. Nothing leaves the ledger.

    Raises MemberNotEmpty.
    """
    from ledger.audit import audit_record
    from ledger.locks import member_accounts_lock
    from ledger.models import Account
    from ledger.selectors import holds_pending_on
    from ledger.services import account_status_set

    with transaction.atomic():
        accounts = member_accounts_lock(member)
        open_holds = holds_pending_on(accounts)
        if any(account.balance != 0 or account.held != 0 for account in accounts) or open_holds.exists():
            raise MemberNotEmpty()
        for account in accounts:
            if account.status != Account.Status.CLOSED:
                account_status_set(account=account, status=Account.Status.CLOSED, actor=actor)
        member.status = Member.Status.CLOSED
        member.closed_at = timezone.now()
        member.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action="member_close", target=member)
        api_tokens_revoke_all(user=member.user, actor=actor, reason="member_close")
    return member


def membership_reminders_send(*, today: datetime.date | None = None) -> int:
    """E-mail every active member whose membership ends within the reminder window, once per expiry."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.BOCAGE_MEMBERSHIP_REMINDER_DAYS)
    due = Member.objects.select_related("user").filter(
        status=Member.Status.ACTIVE, membership_expires_on__gte=today, membership_expires_on__lte=horizon
    )
    sent = 0
    for member in due.exclude(membership_reminder_sent_for=F("membership_expires_on")):
        # The claim and the queued mail commit together: a second run never mails twice, and a
        # crash loses no reminder (the outbox delivers what committed).
        with transaction.atomic(durable=True):
            claimed = (
                Member.objects.filter(pk=member.pk)
                .exclude(membership_reminder_sent_for=member.membership_expires_on)
                .update(membership_reminder_sent_for=member.membership_expires_on)
            )
            if not claimed or not member.user.email:
                continue
            with override(settings.LANGUAGE_CODE):
                subject = _("Your Bocage membership ends on %(date)s") % {"date": member.membership_expires_on}
                body = _(
                    "Hello %(name)s,\n\nyour membership of the association ends on %(date)s. Renew it at an "
                    "exchange office or from your account (%(url)s) to keep paying and being paid.\n\nBocage"
                ) % {"name": member.display_name, "date": member.membership_expires_on, "url": settings.SITE_URL}
            outbound_email_queue(to=member.user.email, subject=subject, body=body)
        sent += 1
    return sent


def api_token_create(*, user: Any, device: str = "", actor: Actor) -> tuple[ApiToken, str]:
    """Issue one more API token to `user` (one per device); returns it and its key, shown only now."""
    from ledger.audit import audit_record

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
    from ledger.audit import audit_record

    with transaction.atomic():
        now = timezone.now()
        if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
            token.revoked_at = now
            audit_record(actor=actor, action="api_token_revoke", target=token, user=token.user_id)
    return token


def api_tokens_revoke_all(*, user: Any, actor: Actor, reason: str) -> int:
    """Revoke every live token of `user` (closing, a second factor turned on); returns how many."""
    from ledger.audit import audit_record

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
