"""The member's own profile: details, public choices, IBAN (holding reconversions), e-mail change."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import InvalidInput
from core.mail import outbound_email_queue
from core.models import AuditEvent
from core.notifications import notify
from core.typing import Actor

from .. import mails
from ..errors import EmailChangeLinkInvalid, EmailChangeTooFrequent, EmailTaken
from ..identity import IDENTITY_CLEANERS
from ..models import Member
from .members import identity_clean, member_update


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
        member = Member.objects.select_for_update().select_related("user").filter(pk=data.get("member") or 0).first()
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
