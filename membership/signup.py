"""Joining online (the services of the sign-up): a pending sign-up and its e-mail link, the
verification that creates the member (membership not paid yet: they can look, not pay), the
documents' versions and the consents, the cooperative's application queue, the membership waived.

A sign-up writes nothing but a `PendingSignup` and a mail until the link is opened; the member is
created by `member_join` with the accounts, in the transaction that records the consents.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.audit import audit_record
from core.errors import InvalidInput
from core.mail import outbound_email_queue
from core.notifications import notify
from core.ratelimit import hourly_limit_exceeded
from core.typing import Actor, acting_user
from members.models import Commune, Member
from members.services import identity_clean, one_year_from

from .errors import ApplicationNotPending, SignupLinkInvalid, SignupRateLimited
from .models import Application, Consent, LegalDocument, PendingSignup

logger = logging.getLogger(__name__)

SIGNUP_KINDS = (Member.Kind.INDIVIDUAL, Member.Kind.BUSINESS, Member.Kind.ASSOCIATION)


# --- the documents and the consents -----------------------------------------------------------


def current_document(kind: str) -> LegalDocument:
    """The version of a document to accept today: the setting's, or else the latest published."""
    versions: dict[str, str] = {
        LegalDocument.Kind.TERMS: settings.BOCAGE_TERMS_VERSION,
        LegalDocument.Kind.PRIVACY: settings.BOCAGE_PRIVACY_VERSION,
    }
    wanted = versions[kind]
    documents = LegalDocument.objects.filter(kind=kind, published_on__lte=timezone.localdate())
    if wanted:
        return documents.get(version=wanted)
    document = documents.order_by("-published_on", "-id").first()
    if document is None:
        raise LegalDocument.DoesNotExist(kind)
    return document


def current_documents() -> list[LegalDocument]:
    return [current_document(kind) for kind in LegalDocument.Kind.values]


def consents_record(*, user: Any, documents: list[LegalDocument], at: datetime.datetime | None = None) -> None:
    """Record that the user accepted these versions (once each: accepting again changes nothing)."""
    for document in documents:
        Consent.objects.get_or_create(user=user, document=document, defaults={"accepted_at": at or timezone.now()})


# --- the rate limit ---------------------------------------------------------------------------


def signup_rate_check(*, ip: str, email: str) -> None:
    """Count a sign-up from this address and for this e-mail; past the hour's limit, refuse.

    Raises SignupRateLimited.
    """
    if hourly_limit_exceeded(scope="signup", limit=settings.BOCAGE_SIGNUP_RATE_PER_HOUR, ip=ip, email=email.lower()):
        raise SignupRateLimited()


# --- the public register (optional) -----------------------------------------------------------


def sirene_known(siren: str) -> bool | None:
    """Ask the public register about a SIREN when BOCAGE_SIRENE_LOOKUP_URL is set (`{siren}` in the
    URL): True if found, False if the register answers it does not exist (404), None when off or
    unreachable (a failure never blocks the sign-up)."""
    url = settings.BOCAGE_SIRENE_LOOKUP_URL
    if not url:
        return None
    try:
        with urllib.request.urlopen(url.format(siren=siren), timeout=3) as response:  # noqa: S310 (operator's URL)
            return 200 <= response.status < 300
    except urllib.error.HTTPError as exc:
        return False if exc.code == 404 else None
    except (OSError, ValueError):
        logger.warning("SIRENE lookup unavailable")
        return None


# --- the sign-up ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignupData:
    kind: str
    display_name: str
    email: str
    password: str
    commune: Commune | None
    address: str = ""
    phone: str = ""
    siren: str = ""
    siret: str = ""
    vat_number: str = ""
    rna: str = ""


def signup_identity_clean(*, kind: str, numbers: dict[str, str]) -> dict[str, str]:
    """The identity numbers a kind of member gives: a business its SIREN (SIRET and VAT optional),
    an association its RNA; validated like everywhere else (members' identity_clean).

    Raises InvalidInput.
    """
    numbers = {field: value.strip() for field, value in numbers.items() if value and value.strip()}
    if kind == Member.Kind.BUSINESS:
        numbers.pop("rna", None)
        if not numbers.get("siren"):
            raise InvalidInput(fields={"siren": [_("A business gives its SIREN.")]})
    elif kind == Member.Kind.ASSOCIATION:
        numbers = {"rna": numbers["rna"]} if numbers.get("rna") else {}
        if not numbers:
            raise InvalidInput(fields={"rna": [_("An association gives its RNA number.")]})
    else:
        numbers = {}
    cleaned = identity_clean(kind=kind, numbers=numbers)
    if kind == Member.Kind.BUSINESS and sirene_known(cleaned["siren"]) is False:
        raise InvalidInput(fields={"siren": [_("The public register does not know this SIREN.")]})
    return cleaned


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signup_request(*, data: SignupData, documents: list[LegalDocument]) -> PendingSignup | None:
    """Record a sign-up waiting for its address to be verified and mail the link; for an address
    that already has an account, mail a reminder instead (the page says the same either way).

    Returns the pending sign-up, or None when the address was already known.
    """
    email = data.email.strip()
    user_model = get_user_model()
    known = (
        user_model.objects.filter(email__iexact=email).exists()
        or user_model.objects.filter(username__iexact=email).exists()
    )
    with transaction.atomic(durable=True):
        if known:
            with override(settings.LANGUAGE_CODE):
                outbound_email_queue(
                    to=email,
                    subject=_("You already have a Bocage account"),
                    body=_(
                        "Hello,\n\nsomeone (you, probably) asked to join Bocage with this address, which "
                        "already has an account. Log in, or choose a new password here: %(url)s\n\n"
                        "If it was not you, ignore this mail.\n\nBocage"
                    )
                    % {"url": settings.SITE_URL + reverse("password_reset")},
                )
            return None
        token = secrets.token_urlsafe(32)
        pending = PendingSignup.objects.create(
            email=email,
            kind=data.kind,
            display_name=data.display_name.strip(),
            details={
                "commune": data.commune.pk if data.commune else None,
                "address": data.address.strip(),
                "phone": data.phone.strip(),
                **{
                    field: getattr(data, field)
                    for field in ("siren", "siret", "vat_number", "rna")
                    if getattr(data, field)
                },
            },
            password=make_password(data.password),
            digest=_digest(token),
            expires_at=timezone.now() + datetime.timedelta(hours=settings.BOCAGE_SIGNUP_LINK_HOURS),
        )
        pending.documents.set(documents)
        link = settings.SITE_URL + reverse("signup-confirm", args=[token])
        with override(settings.LANGUAGE_CODE):
            outbound_email_queue(
                to=email,
                subject=_("Confirm your address to join Bocage"),
                body=_(
                    "Hello %(name)s,\n\nto finish joining Bocage, open this link within %(hours)d hours:\n"
                    "%(url)s\n\nIf you did not ask to join, ignore this mail: nothing will be created.\n\nBocage"
                )
                % {"name": pending.display_name, "hours": settings.BOCAGE_SIGNUP_LINK_HOURS, "url": link},
            )
    return pending


def pending_signup_for(token: str) -> PendingSignup:
    """The sign-up a link's token names (confirmed or not).

    Raises SignupLinkInvalid (unknown or forged token, or expired and unconfirmed).
    """
    pending = PendingSignup.objects.filter(digest=_digest(token)).first()
    if pending is None or (pending.confirmed_at is None and pending.expires_at <= timezone.now()):
        raise SignupLinkInvalid()
    return pending


def pending_signups_purge() -> int:
    """Delete the sign-ups whose link expired unopened: their data was never verified nor used."""
    expired = PendingSignup.objects.filter(confirmed_at__isnull=True, expires_at__lte=timezone.now())
    _total, by_model = expired.delete()
    return by_model.get(PendingSignup._meta.label, 0)


def signup_confirm(*, token: str) -> tuple[Member, bool]:
    """Open a sign-up's link: create the user and member (with accounts, membership not paid), record
    the consents with their versions, audit; with approval required, an application waits.

    Returns (member, created): a link opened twice gives the same member, created False.
    Raises SignupLinkInvalid; InvalidInput if the address got an account meanwhile.
    """
    from .services import member_join  # services imports nothing of this module

    with transaction.atomic(durable=True):
        pending = pending_signup_for(token)
        pending = PendingSignup.objects.select_for_update().get(pk=pending.pk)
        if pending.confirmed_at is not None:
            if pending.user is None or not hasattr(pending.user, "member"):
                raise SignupLinkInvalid()
            return pending.user.member, False
        details = dict(pending.details)
        commune_id = details.pop("commune", None)
        member = member_join(
            actor=None,
            username=pending.email.lower()[:150],
            password=None,
            email=pending.email,
            display_name=pending.display_name,
            kind=pending.kind,
            commune=Commune.objects.filter(pk=commune_id).first() if commune_id else None,
            address=details.pop("address", ""),
            phone=details.pop("phone", ""),
            **details,
        )
        user = member.user
        user.password = pending.password  # already hashed at sign-up: never held in clear since
        user.save(update_fields=["password"])
        # Not paid yet: the member can look, not pay (the ledger refuses a payment without membership).
        Member.objects.filter(pk=member.pk).update(membership_expires_on=None)
        member.membership_expires_on = None
        consents_record(user=user, documents=list(pending.documents.all()))
        pending.confirmed_at = timezone.now()
        pending.user = user
        pending.password = ""
        pending.details = {}
        pending.save(update_fields=["confirmed_at", "user", "password", "details"])
        if settings.BOCAGE_SIGNUP_REQUIRES_APPROVAL:
            Application.objects.create(member=member)
        audit_record(actor=user, action="member_signup", target=member, kind=member.kind)
    return member, True


# --- paying the membership: who may, the application queue, the waiver ------------------------


def membership_payable(member: Member) -> bool:
    """A member whose application waits or was refused may not pay the membership."""
    application = Application.objects.filter(member=member).first()
    return application is None or application.status == Application.Status.APPROVED


def application_approve(*, application: Application, actor: Actor) -> Application:
    """Accept a new member: they may now pay their membership. Notified and audited.

    Raises ApplicationNotPending.
    """
    return _application_decide(application=application, actor=actor, status=Application.Status.APPROVED, reason="")


def application_refuse(*, application: Application, actor: Actor, reason: str) -> Application:
    """Refuse a new member, with a reason mailed to them and notified. Audited.

    Raises InvalidInput (no reason), ApplicationNotPending.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give the reason: it is sent to the applicant.")]})
    return _application_decide(application=application, actor=actor, status=Application.Status.REFUSED, reason=reason)


def _application_decide(*, application: Application, actor: Actor, status: str, reason: str) -> Application:
    with transaction.atomic(durable=True):
        application = Application.objects.select_for_update().select_related("member__user").get(pk=application.pk)
        if application.status != Application.Status.PENDING:
            raise ApplicationNotPending()
        application.status = status
        application.reason = reason
        application.decided_at = timezone.now()
        application.decided_by = acting_user(actor)
        application.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        member = application.member
        approved = status == Application.Status.APPROVED
        with override(member.mail_language):
            if approved:
                subject = _("Your application to Bocage is accepted")
                body = _(
                    "Hello %(name)s,\n\nyour application is accepted. Pay your membership to start paying "
                    "and being paid: %(url)s\n\nBocage"
                ) % {"name": member.display_name, "url": settings.SITE_URL + reverse("membership")}
            else:
                subject = _("Your application to Bocage is refused")
                body = _("Hello %(name)s,\n\nyour application is refused, for this reason:\n\n%(reason)s\n\nBocage") % {
                    "name": member.display_name,
                    "reason": reason,
                }
        notify(
            member.user,
            "membership_application",
            {"status": status, "reason": reason},
            reverse("membership"),
            email=(subject, body),
            dedupe_key=f"membership_application:{application.pk}",
        )
        audit_record(
            actor=actor,
            action="membership_application_approve" if approved else "membership_application_refuse",
            target=member,
            reason=reason,
        )
    return application


def membership_waive(*, member: Member, actor: Actor, reason: str) -> Member:
    """An administrator gives a year of membership without payment (from today, or from the end
    of the current one), with a reason. Audited; no ledger entry (nothing is paid).

    Raises InvalidInput (no reason, member closed).
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why the membership is waived.")]})
    with transaction.atomic(durable=True):
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.status == Member.Status.CLOSED:
            raise InvalidInput(fields={"member": [_("This member is closed.")]})
        today = timezone.localdate()
        current = member.membership_expires_on
        starts_on = current + datetime.timedelta(days=1) if current and current >= today else today
        member.membership_expires_on = one_year_from(starts_on)
        member.save(update_fields=["membership_expires_on"])
        Application.objects.filter(member=member, status=Application.Status.PENDING).update(
            status=Application.Status.APPROVED, decided_at=timezone.now(), decided_by=acting_user(actor)
        )
        audit_record(
            actor=actor,
            action="membership_waive",
            target=member,
            reason=reason,
            until=member.membership_expires_on.isoformat(),
        )
    return member
