"""Notifications on the site, and the e-mail that goes with them when the member wants it.

Every app registers its kinds of notification (`register`, from its AppConfig.ready, like the
ledger's transaction kinds): a code, a label and a group for the preferences page, the message
(a lazy template string, or a function of the parameters, rendered in the reader's language when
the page is shown) and whether the kind is e-mailed unless the member said otherwise.

`notify` is the one call per notification: it writes the site notification in the caller's
transaction (like the outbox: a rolled-back action notifies nobody) and queues the e-mail through
core.mail only when the recipient has an address and their preference allows that kind. A caller
that may run twice (a task) passes a `dedupe_key`: the second call writes and mails nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise

from . import usercache
from .inbox import INBOX_FACT
from .mail import outbound_email_queue, outbound_emails_queue
from .models import Notification, NotificationPreference

Params = Mapping[str, Any]
Message = Promise | str | Callable[[Params], str]


@dataclass(frozen=True)
class NotificationKind:
    """What one kind of notification says, where it is listed and whether it is e-mailed by default."""

    code: str
    label: Promise | str
    group: Promise | str
    message: Message = field(compare=False)
    emailed_by_default: bool = True
    # Sent to staff only (moderators, clerks): not offered to members on the preferences page.
    for_staff: bool = False
    # A security alert (an IBAN changed): always e-mailed, so not offered on the preferences page.
    always_emailed: bool = False

    def render(self, params: Params) -> str:
        """The message in the active language; a missing parameter shows the template, never a 500."""
        if callable(self.message) and not isinstance(self.message, Promise):
            try:
                return str(self.message(params))
            except (KeyError, TypeError, ValueError):
                return str(self.label)
        template = str(self.message)
        try:
            return template % dict(params)
        except (KeyError, TypeError, ValueError):
            return template


_KINDS: dict[str, NotificationKind] = {}


def register(*kinds: NotificationKind) -> None:
    """Register kinds (from an AppConfig.ready); registering the same kind twice is harmless."""
    for kind in kinds:
        known = _KINDS.get(kind.code)
        if known is not None and known != kind:
            raise ValueError(f"notification kind {kind.code!r} is already registered differently")
        _KINDS[kind.code] = kind


def kind_of(code: str) -> NotificationKind | None:
    return _KINDS.get(code)


def kinds() -> list[NotificationKind]:
    """Every registered kind, in the order they were registered."""
    return list(_KINDS.values())


def kinds_for(user: User) -> list[NotificationKind]:
    """The kinds `user` may choose about: the staff's only for staff, never the security alerts."""
    return [kind for kind in _KINDS.values() if (user.is_staff or not kind.for_staff) and not kind.always_emailed]


def notification_text(notification: Notification) -> str:
    """A notification's message in the active language (its code when the kind is no longer known)."""
    kind = kind_of(notification.kind)
    if kind is None:
        return notification.kind
    return kind.render(notification.params or {})


def emailed(user: User, code: str) -> bool:
    """Whether `user` wants the kind `code` e-mailed: their choice if they made one, else the kind's default."""
    kind = kind_of(code)
    if kind is not None and kind.always_emailed:
        return True
    choice = NotificationPreference.objects.filter(user=user, kind=code).values_list("email", flat=True).first()
    if choice is not None:
        return choice
    return kind.emailed_by_default if kind is not None else True


def email_choices(user: User) -> dict[str, bool]:
    """Every registered kind's code → whether it is e-mailed to `user`."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind.code: kind.always_emailed or chosen.get(kind.code, kind.emailed_by_default) for kind in kinds()}


def email_choices_set(user: User, choices: Mapping[str, bool]) -> None:
    """Store the member's choice for each registered kind named in `choices` (unknown codes are ignored)."""
    with transaction.atomic(durable=True):
        for code, email in choices.items():
            if kind_of(code) is None:
                continue
            NotificationPreference.objects.update_or_create(user=user, kind=code, defaults={"email": bool(email)})


def notify(
    user: User,
    kind: str,
    params: Params | None = None,
    url: str = "",
    email: tuple[str, str] | None = None,
    *,
    dedupe_key: str = "",
) -> Notification | None:
    """Notify `user` on the site, and by e-mail (subject, body) if their preference allows `kind`.

    Call it inside the action's transaction. Returns the notification, or None when `dedupe_key`
    was already used for this user (nothing written, nothing mailed).
    """
    if kind_of(kind) is None:
        raise ValueError(f"unknown notification kind {kind!r}")
    values = {key: _plain(value) for key, value in (params or {}).items()}
    with transaction.atomic(savepoint=False):
        if dedupe_key and Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
            return None
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=user, kind=kind, params=values, url=url[:500], dedupe_key=dedupe_key
                )
        except IntegrityError:
            if dedupe_key:
                return None  # a concurrent run wrote it
            raise
        usercache.forget_now_and_on_commit([user.pk], TOLD)
        address = user.email
        if email is not None and address and emailed(user, kind):
            subject, body = email
            outbound_email_queue(to=address, subject=subject, body=body)
    return notification


@dataclass(frozen=True)
class Notice:
    """One member's notification of notify_many: as notify's arguments."""

    user: User
    params: Params
    url: str = ""
    email: tuple[str, str] | None = None
    dedupe_key: str = ""


def notify_many(kind: str, notices: Sequence[Notice]) -> int:
    """notify for many members at once (a campaign's backers), in a few queries whatever their
    number: the ones whose `dedupe_key` was already used are left out, the others get their
    notification and, as their preference for `kind` allows, their mail. Call it inside the
    action's transaction. Returns how many were notified."""
    spec = kind_of(kind)
    if spec is None:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not notices:
        return 0
    user_ids = {notice.user.pk for notice in notices}
    keys = {notice.dedupe_key for notice in notices if notice.dedupe_key}
    told = set(
        Notification.objects.filter(recipient_id__in=user_ids, dedupe_key__in=keys).values_list(
            "recipient_id", "dedupe_key"
        )
        if keys
        else ()
    )
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "email")
    )
    rows: list[Notification] = []
    mails: list[tuple[str, str, str]] = []
    for notice in notices:
        user = notice.user
        if notice.dedupe_key and (user.pk, notice.dedupe_key) in told:
            continue
        values = {key: _plain(value) for key, value in notice.params.items()}
        rows.append(
            Notification(recipient=user, kind=kind, params=values, url=notice.url[:500], dedupe_key=notice.dedupe_key)
        )
        wanted = spec.always_emailed or chosen.get(user.pk, spec.emailed_by_default)
        if notice.email is not None and user.email and wanted:
            mails.append((user.email, *notice.email))
    with transaction.atomic(savepoint=False):
        Notification.objects.bulk_create(rows)
        outbound_emails_queue(mails)
        usercache.forget_now_and_on_commit((row.recipient_id for row in rows), TOLD)
    return len(rows)


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s unread notifications read (only those `ids` if given); returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    count = unread.update(read_at=timezone.now())
    usercache.forget_now_and_on_commit([user.pk], TOLD)
    return count


_UNREAD = usercache.register("unread")
# What a notification changes of its recipient's shell: the bell, and the inbox it often comes with.
TOLD = (_UNREAD, INBOX_FACT)


def unread_count(user: User) -> int:
    """How many of `user`'s notifications are unread (kept a few seconds: core.usercache)."""
    return usercache.cached(
        user.pk, _UNREAD, lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    )


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
