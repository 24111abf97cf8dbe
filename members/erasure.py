"""Erasing a member who leaves (pseudonymisation, RGPD art. 17): `member_erase`.

The closing flow (membership) calls it inside its transaction once the accounts are closed and the
member marked closed. It captures the member's personal values first (names, e-mail, username,
phone, address, identity numbers, IBAN: `personal_values`), then runs the `erase` of every section
of the personal data registry (members.personal_data) in key order: each app erases its own rows
(the member's row becomes « Ancien membre n° 12 », their listings « Annonce retirée », their messages
« Message effacé », the memos they typed « Libellé effacé », the audit log's values « [effacé] »…),
reading those values through `current_values()`: the member's row is itself one of the sections and
is pseudonymised before some others run.

What the law requires to keep a while (the share register's former associates, the payees of euro
payouts) is first copied by the app's section into a `RetainedRecord` (`retain`), then erased from
its table; the nightly retention task deletes the records past their date (members.retention).

A second run changes nothing (every erase skips what is already erased); the run is audited once as
`member_erase`, with counts only.
"""

from __future__ import annotations

import contextvars
import datetime
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, override

from core.audit import audit_record
from core.models import Notification, OutboundEmail
from core.typing import Actor

from . import personal_data
from .models import Member, RetainedRecord

# The texts that replace erased ones, stored in the site's language (like system memos).
PSEUDONYM = gettext_noop("Former member no. %(number)s")
REDACTED = gettext_noop("[erased]")
LISTING_REMOVED = gettext_noop("Listing withdrawn")
MESSAGE_ERASED = gettext_noop("Message erased")
MEMO_ERASED = gettext_noop("Memo erased")

# Why a record is kept, and how long (settings, in years).
LEGAL_BASES = {
    "share_register": gettext_noop(
        "Register of associates of a cooperative (Code de commerce, art. R. 228-8; kept after the associate left)"
    ),
    "accounting_record": gettext_noop("Accounting records and their vouchers (Code de commerce, art. L. 123-22)"),
}

# Shorter values are not searched for in texts (a two-letter name would match everything).
MIN_VALUE_LENGTH = 4


def site_text(message: str, **params: Any) -> str:
    """`message` in the site's language (settings.LANGUAGE_CODE), whoever's language is active."""
    with override(settings.LANGUAGE_CODE):
        text = gettext(message)
    return text % params if params else text


def pseudonym(member: Member) -> str:
    """The name a member who left is shown under: « Ancien membre n° 12 »."""
    return site_text(PSEUDONYM, number=member.pk)


def closed_username(user: Any) -> str:
    return f"closed-{user.pk}"


def digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def phone_forms(phone: str) -> list[str]:
    """A French phone number as people write it: 0612345678, +33612345678, 33612345678."""
    number = digits(phone)
    if len(number) < 9:
        return []
    if number.startswith("33") and len(number) == 11:
        number = "0" + number[2:]
    forms = [number]
    if number.startswith("0"):
        forms += ["+33" + number[1:], "33" + number[1:]]
    return forms


def personal_values(member: Member) -> list[str]:
    """The member's personal values, as stored, to find in texts (empty ones and short ones left out;
    a member already erased has none left but its pseudonym, which is not one)."""
    user = member.user
    values = [
        member.display_name,
        member.address,
        member.phone,
        member.siren,
        member.siret,
        member.vat_number,
        member.rna,
        member.iban,
        member.website,
        user.email,
        user.username,
        user.first_name,
        user.last_name,
        " ".join(part for part in (user.first_name, user.last_name) if part),
        *phone_forms(member.phone),
    ]
    if member.iban:
        compact = member.iban.replace(" ", "")
        values += [compact, " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))]
    skip = {pseudonym(member).casefold(), closed_username(user).casefold()}
    found: list[str] = []
    for value in values:
        value = (value or "").strip()
        if len(value) >= MIN_VALUE_LENGTH and value.casefold() not in skip and value not in found:
            found.append(value)
    return found


def mentions(text: str, values: list[str]) -> bool:
    """Whether `text` holds one of `values` (case-insensitive; phone numbers also without spaces)."""
    if not text:
        return False
    folded = text.casefold()
    squeezed = re.sub(r"[\s.\-]", "", folded)
    for value in values:
        value_folded = value.casefold()
        if value_folded in folded:
            return True
        if value_folded.lstrip("+").isdigit() and value_folded in squeezed:
            return True
    return False


def redact(value: Any, values: list[str]) -> tuple[Any, bool]:
    """`value` (a string, or JSON: dicts and lists) with every string mentioning one of `values`
    replaced by « [effacé] »; and whether anything was."""
    if isinstance(value, str):
        return (site_text(REDACTED), True) if mentions(value, values) else (value, False)
    if isinstance(value, dict):
        changed = False
        out: dict[Any, Any] = {}
        for key, item in value.items():
            out[key], item_changed = redact(item, values)
            changed = changed or item_changed
        return out, changed
    if isinstance(value, list):
        pairs = [redact(item, values) for item in value]
        return [item for item, _changed in pairs], any(changed for _item, changed in pairs)
    return value, False


def copies_redact(texts: list[str]) -> int:
    """Redact what others were told that repeats `texts` (the member's values, or a text of theirs
    being erased, such as a listing's title): notifications' parameters, mails' subjects and bodies.
    Returns how many rows changed."""
    texts = [text for text in texts if len(text.strip()) >= MIN_VALUE_LENGTH]
    if not texts:
        return 0
    changed_rows = 0
    as_text = Notification.objects.annotate(params_text=Cast("params", TextField()))
    mention = Q()
    for text in texts:
        mention |= Q(params_text__icontains=text)
    for notification in as_text.filter(mention):
        params, changed = redact(notification.params, texts)
        if changed:
            Notification.objects.filter(pk=notification.pk).update(params=params)
            changed_rows += 1
    mention = Q()
    for text in texts:
        mention |= Q(subject__icontains=text) | Q(body__icontains=text)
    for mail in OutboundEmail.objects.filter(mention):
        subject, subject_changed = redact(mail.subject, texts)
        if subject_changed or mentions(mail.body, texts):
            OutboundEmail.objects.filter(pk=mail.pk).update(subject=subject, body=site_text(REDACTED))
            changed_rows += 1
    return changed_rows


@dataclass
class ErasureReport:
    """What one run of member_erase changed: rows per section (or step), memos kept because their row
    was sealed before memos could be erased, records kept for the law."""

    member_id: int
    sections: dict[str, int] = field(default_factory=dict)
    legacy_memos_kept: int = 0
    retained_records: int = 0

    @property
    def changed(self) -> int:
        return sum(self.sections.values()) + self.retained_records


@dataclass
class _Run:
    member: Member
    values: list[str]
    identity: dict[str, Any]
    report: ErasureReport


_current: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("members_erasure_run", default=None)


def current_values(member: Member) -> list[str]:
    """The personal values of the member being erased (captured before anything was), for a section's
    erase; outside a run, the member's values as they are now."""
    run = _current.get()
    if run is not None and run.member.pk == member.pk:
        return run.values
    return personal_values(member)


def identity(member: Member) -> dict[str, Any]:
    """Who the member is, as a RetainedRecord keeps it: name, kind, address, identity numbers."""
    return {
        "name": member.display_name,
        "kind": member.kind,
        "address": member.address,
        "commune": str(member.commune) if member.commune_id else "",
        "siren": member.siren,
        "siret": member.siret,
        "rna": member.rna,
    }


def current_identity(member: Member) -> dict[str, Any]:
    """`identity(member)` as it was when the erasure began (a section may run after the member's row
    was pseudonymised)."""
    run = _current.get()
    if run is not None and run.member.pk == member.pk:
        return dict(run.identity)
    return identity(member)


def left_on(member: Member) -> datetime.date:
    """The day the member left (the retention periods run from it)."""
    return timezone.localdate(member.closed_at) if member.closed_at else timezone.localdate()


def note_legacy_memo_kept(count: int = 1) -> None:
    """A section's erase met a memo it may not change (sealed before memos could be erased)."""
    run = _current.get()
    if run is not None:
        run.report.legacy_memos_kept += count


def file_delete_on_commit(file: Any) -> None:
    """Delete a stored file once the erasure commits (a rolled-back erasure keeps its files)."""
    if file:
        storage, name = file.storage, file.name
        transaction.on_commit(lambda: storage.delete(name))


def years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def retain(
    *, member: Member, purpose: str, legal_basis: str, reference: str, data: dict[str, Any], keep_until: datetime.date
) -> RetainedRecord:
    """Keep `data` for the law until `keep_until` (once per `reference`: copying again changes nothing)."""
    if legal_basis not in LEGAL_BASES:
        raise ValueError(f"unknown legal basis {legal_basis!r}")
    record, created = RetainedRecord.objects.get_or_create(
        purpose=purpose,
        reference=reference,
        defaults={
            "member_id": member.pk,
            "legal_basis": legal_basis,
            "data": personal_data.plain(data),
            "keep_until": keep_until,
        },
    )
    run = _current.get()
    if created and run is not None:
        run.report.retained_records += 1
    return record


@contextmanager
def _running(member: Member) -> Iterator[_Run]:
    run = _Run(
        member=member,
        values=personal_values(member),
        identity=identity(member),
        report=ErasureReport(member_id=member.pk),
    )
    token = _current.set(run)
    try:
        yield run
    finally:
        _current.reset(token)


def member_erase(*, member: Member, actor: Actor) -> ErasureReport:
    """Pseudonymise a closed member and erase their personal data in every app, inside the closing
    flow's transaction; what the law requires is kept aside (RetainedRecord). Idempotent.

    Raises ValueError for a member not closed (the closing flow marks it first).
    """
    if member.status != Member.Status.CLOSED:
        raise ValueError("member_erase runs on a closed member (membership.services.member_close)")
    with transaction.atomic(savepoint=False), _running(member) as run:
        for section in personal_data.sections():
            if section.erase is not None:
                run.report.sections[section.key] = int(section.erase(member) or 0)
        for key, step in personal_data.erase_steps():
            run.report.sections[key] = int(step(member) or 0)
        report = run.report
        if report.changed:
            audit_record(
                actor=actor,
                action="member_erase",
                target=member,
                sections={key: count for key, count in report.sections.items() if count},
                legacy_memos_kept=report.legacy_memos_kept,
                retained_records=report.retained_records,
            )
    return report
