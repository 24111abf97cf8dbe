"""Joining and the yearly membership: members invited, imported or joining with their accounts, the fee
and its renewal (online in ACH, in euros by an administrator or at an exchange office), the renewal
reminders."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import override
from djmoney.money import Money

from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.l10n import format_long_date
from core.mail import outbound_email_queue
from core.notifications import notify
from core.retries import with_retries
from core.text import search_key
from core.typing import Actor, acting_user
from currency.models import Comptoir, Conversion
from currency.selectors.comptoirs import comptoirs_for
from ledger import memos
from ledger.models import Account
from ledger.selectors import member_account
from ledger.services import (
    accounts_open_for_member,
    system_account,
    transaction_post,
)
from ledger.units import get_unit
from members.errors import MemberClosed
from members.models import Commune, Member
from members.services import (
    member_create,
    one_year_from,
)
from membership.kinds import MEMBERSHIP
from membership.member_import import LineResult, line_import
from membership.member_import import counts as import_counts
from membership.memos import MEMBERSHIP_PERIOD

from ..errors import MembershipNotApproved
from ..models import Application, MembershipPayment


def username_propose(display_name: str) -> str:
    """A free username made from a name: "Marie Gabôrit" → "marie.gaborit", then "marie.gaborit2"…"""
    base = search_key(display_name).replace(" ", ".")[:30].strip(".") or "membre"
    users = get_user_model().objects
    candidate, number = base, 1
    while users.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate


def member_invite(*, actor: Actor, username: str = "", mail: bool = True, **fields: Any) -> Member:
    """An administrator adds a member (member_join, without a password) and the new member is sent
    a link to choose their password (Django's password reset token, through the outbox), so that no
    administrator ever types or sees it. The mail leaves only if the member is committed; a check
    of an import (rolled back) passes mail=False, the mail having no bearing on the verdict.

    Raises InvalidInput (an e-mail address another user has: a reset link must reach one person
    only) and what member_join raises.
    """
    email = fields.get("email", "")
    if email and get_user_model().objects.filter(email__iexact=email).exists():
        raise InvalidInput(fields={"email": [_("Another member already has this e-mail address.")]})
    with transaction.atomic():
        username = username or username_propose(fields["display_name"])
        member = member_join(actor=actor, username=username, password=None, **fields)
        if mail and member.user.email:
            _set_password_mail(member)
    return member


def _set_password_mail(member: Member) -> None:
    user = member.user
    link = settings.SITE_URL + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with override(member.mail_language):
        subject = _("Welcome to Bocage: choose your password")
        body = _(
            "Hello %(name)s,\n\nyou are now a member of Bocage; your username is %(username)s.\n\n"
            "Choose your password here (the link works once, for %(days)s days):\n%(url)s\n\n"
            "If the link has expired, ask for a new one from the login page (“Forgotten password?”).\n\nBocage"
        ) % {
            "name": member.display_name,
            "username": user.username,
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            "url": link,
        }
    outbound_email_queue(to=user.email, subject=subject, body=body)


def members_import(*, actor: Actor, lines: list[tuple[int, dict[str, str]]], dry_run: bool) -> list[LineResult]:
    """Import the parsed lines of a CSV file (membership.member_import.parse), each in its own
    transaction: a refused line writes nothing, the others are created (and mailed their link).

    `dry_run` checks the same lines the same way inside one transaction rolled back at the end:
    nothing is written and no mail leaves, and each verdict is what the import will say.
    """
    communes = list(Commune.objects.all())
    seen: dict[str, int] = {}
    results: list[LineResult] = []

    def run(number: int, values: dict[str, str]) -> None:
        with transaction.atomic():
            results.append(
                line_import(
                    actor=actor,
                    number=number,
                    values=values,
                    communes=communes,
                    seen=seen,
                    dry_run=dry_run,
                    create=member_invite,
                )
            )

    if dry_run:
        with transaction.atomic():
            for number, values in lines:
                run(number, values)
            transaction.set_rollback(True)
        return results
    for number, values in lines:
        run(number, values)
    staff = acting_user(actor)
    if staff is None:
        raise PermissionDenied(_("Only an administrator imports members."))
    counts = import_counts(results)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="members_import",
            target=staff,
            created=counts["created"],
            existing=counts["existing"],
            refused=counts["refused"],
        )
    return results


def member_join(*, actor: Actor, **fields: Any) -> Member:
    """Join: a user and its member (first year of membership), through members' member_create
    (whose fields these are), and the member's ledger accounts, in one transaction.

    Raises what member_create raises (InvalidInput: unknown kind, username taken, invalid
    identity numbers).
    """
    with transaction.atomic():
        member = member_create(actor=actor, **fields)
        accounts_open_for_member(member=member, actor=actor)
    return member


def membership_fee(member: Member) -> Decimal:
    return Decimal(settings.BOCAGE_MEMBERSHIP_FEES[member.kind])


def membership_renew(
    *,
    member: Member,
    unit: str,
    actor: Actor,
    comptoir: Comptoir | None = None,
    payment_method: str = "",
    idempotency_key: str | None = None,
) -> MembershipPayment:
    """Pay a year of membership: from the member's ACH account, or in euros received by the
    association (EUR world → fees), by an administrator or at an exchange office (`comptoir`, by one
    of its clerks, who says how it was paid: its cash report counts it). The new year starts the day
    after the current one ends. The fee's posting and the payment row commit together; paying the
    same year again gives back the same payment. A form's own key (`idempotency_key`) makes a form
    sent twice pay once: the second is refused (idempotency_key_reused), not a second year.

    Raises MemberClosed, MembershipNotApproved (application waiting or refused), InvalidInput (unit,
    payment method), PermissionDenied (not a clerk of that comptoir), and the ledger's refusals
    (insufficient_funds).
    """
    if comptoir is not None:
        if unit != "EUR":
            raise InvalidInput(fields={"unit": [_("An exchange office receives the membership fee in euros.")]})
        if payment_method not in Conversion.PaymentMethod.values:
            raise InvalidInput(fields={"payment_method": [_("Choose how the fee was paid.")]})
        clerk = acting_user(actor)
        if clerk is None or not comptoirs_for(clerk).filter(pk=comptoir.pk).exists():
            raise PermissionDenied(_("Only a clerk of this exchange office records what it receives."))
    if member.status == Member.Status.CLOSED:
        raise MemberClosed()
    if Application.objects.filter(member=member).exclude(status=Application.Status.APPROVED).exists():
        raise MembershipNotApproved()  # the cooperative validates new members: not before it has
    if unit not in {"EUR", settings.BOCAGE_LOCAL_UNIT}:
        raise InvalidInput(fields={"unit": [_("The membership fee is paid in EUR or ACH.")]})
    today = timezone.localdate()
    current_end = member.membership_expires_on
    starts_on = current_end + datetime.timedelta(days=1) if current_end and current_end >= today else today
    ends_on = one_year_from(starts_on)
    fee = Money(membership_fee(member), unit)
    if unit == settings.BOCAGE_LOCAL_UNIT:
        payer = member_account(member, settings.BOCAGE_LOCAL_UNIT)
    else:
        payer = system_account(Account.SystemCode.WORLD, "EUR")
    fees = system_account(Account.SystemCode.FEES, unit)
    memo = memos.memo(MEMBERSHIP_PERIOD, start=starts_on, end=ends_on)

    def attempt() -> MembershipPayment:
        with transaction.atomic(durable=True):
            txn = transaction_post(
                legs=[(payer, -fee), (fees, fee)],
                kind=MEMBERSHIP,
                memo=memo,
                actor=actor,
                idempotency_key=idempotency_key or f"membership:{member.pk}:{starts_on.isoformat()}",
            )
            payment, _created = MembershipPayment.objects.get_or_create(
                member=member,
                period_start=starts_on,
                defaults={
                    "period_end": ends_on,
                    "unit": unit,
                    "amount": get_unit(unit).to_minor(fee),
                    "transaction_id": txn.pk,
                    "actor": acting_user(actor),
                    "comptoir": comptoir,
                    "payment_method": payment_method if comptoir is not None else "",
                },
            )
            Member.objects.filter(pk=member.pk).update(membership_expires_on=payment.period_end)
            return payment

    payment = with_retries(attempt)
    member.membership_expires_on = payment.period_end
    return payment


def membership_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind every active member whose membership ends within the reminder window (on the site, and
    by mail unless they chose otherwise), once per expiry."""
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
            if not claimed:
                continue
            with override(member.mail_language):
                ends_on = format_long_date(member.membership_expires_on)  # 7 mai 2027, not 2027-05-07
                subject = _("Your Bocage membership ends on %(date)s") % {"date": ends_on}
                body = _(
                    "Hello %(name)s,\n\nyour membership of the association ends on %(date)s. Renew it at an "
                    "exchange office or from your account (%(url)s) to keep paying and being paid.\n\nBocage"
                ) % {"name": member.display_name, "date": ends_on, "url": settings.SITE_URL}
            notify(
                member.user,
                "membership_reminder",
                {"date": str(member.membership_expires_on)},
                reverse("membership"),
                email=(subject, body),
                dedupe_key=f"membership_reminder:{member.membership_expires_on}",
            )
        sent += 1
    return sent
