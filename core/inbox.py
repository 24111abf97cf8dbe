"""What waits for a user ("À traiter"): a registry of providers, one per app and kind of work.

core imports no app, so each app registers its own providers in its `AppConfig.ready`:

```python
def ready(self) -> None:
    from core.inbox import register

    from .inbox import exchanges_to_answer

    register(exchanges_to_answer)
```

A provider takes the user (logged in and active: `items_for` asks no provider about anyone else)
and returns zero or more `InboxItem` (nothing when it does not apply to
them: a plain member gets no staff item). It must be cheap — one COUNT query (or one grouped
query) — and ask the same permission the page behind its link asks, so a count never reveals what
that page would refuse to show.

`inbox_for(request)` runs the providers at most once per request, and keeps their answer a few
seconds for the user's next pages (core.usercache: forgotten when the user writes or is notified,
so a badge lags only behind what others do without telling them); the context processor
`core.context_processors.inbox` puts the result in every template as `inbox` (`inbox.total`,
`inbox.counts.<key>`), lazily: a page that never reads it runs no query.

Keys (the menu's badges read `inbox.counts.<key>`): member side `exchanges`, `timebank`,
`payment_requests`, `campaigns`; staff side `moderation`, `disputes`, `approvals`,
`reconversions`, `comptoir`, `audit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from core import usercache

MEMBER = "member"
STAFF = "staff"

# What every provider of the project answers with; a key outside this list is allowed (missing = 0).
MEMBER_KEYS = ("exchanges", "timebank", "payment_requests", "campaigns")
STAFF_KEYS = ("moderation", "disputes", "approvals", "reconversions", "comptoir", "audit")


@dataclass(frozen=True)
class InboxItem:
    """One line of a user's inbox: `count` things of one kind waiting at `url`.

    `label` is lazy (translated when rendered, in the reader's language) and agrees with `count`
    (ngettext_lazy). `count=None` makes a shortcut: a place where this user works (the exchange
    office, the books) shown on their home page but counted nowhere, since nothing waits there.
    """

    key: str
    label: Any  # a lazy translated string
    url: str
    kind: str = MEMBER
    count: int | None = 1

    @property
    def pending(self) -> bool:
        return bool(self.count)

    @property
    def shortcut(self) -> bool:
        return self.count is None


Provider = Callable[[Any], Iterable[InboxItem]]


def counted(count: int, *, key: str, label: Any, url: str, kind: str = MEMBER) -> list[InboxItem]:
    """A provider's answer for one count: the item when something waits, nothing when none does."""
    return [InboxItem(key=key, label=label, url=url, kind=kind, count=count)] if count else []


_providers: list[Provider] = []


def register(*providers: Provider) -> None:
    """Add providers (once each: registering twice, as a test reloading an app may, changes nothing)."""
    for provider in providers:
        if provider not in _providers:
            _providers.append(provider)


def registered() -> list[Provider]:
    return list(_providers)


class Inbox:
    """A user's inbox: what waits (`items`), the shortcuts to their work places, counts per key."""

    def __init__(self, items: Iterable[InboxItem]) -> None:
        all_items = list(items)
        self.items = [item for item in all_items if item.pending]
        self.shortcuts = [item for item in all_items if item.shortcut]
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.key] = counts.get(item.key, 0) + (item.count or 0)
        self.counts = counts
        self.total = sum(counts.values())

    @property
    def member_items(self) -> list[InboxItem]:
        return [item for item in self.items if item.kind == MEMBER]

    @property
    def staff_items(self) -> list[InboxItem]:
        return [item for item in self.items if item.kind == STAFF]

    def __bool__(self) -> bool:
        return bool(self.items)

    def __repr__(self) -> str:
        return f"<Inbox total={self.total} counts={self.counts}>"


EMPTY = Inbox([])


def items_for(user: Any) -> list[InboxItem]:
    """Every provider's items for this user, in registration order (none for a visitor)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return [item for provider in _providers for item in provider(user)]


def inbox_of(user: Any) -> Inbox:
    return Inbox(items_for(user))


_REQUEST_ATTRIBUTE = "_bocage_inbox"
INBOX_FACT = usercache.register("inbox")


def inbox_for(request: HttpRequest) -> Inbox:
    """The request user's inbox, computed at most once per request (the menu and the home page share
    it) and kept a few seconds for their next pages (core.usercache)."""
    found = getattr(request, _REQUEST_ATTRIBUTE, None)
    if found is None:
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None  # a visitor: nothing kept
        found = Inbox(usercache.cached(user_id, INBOX_FACT, lambda: items_for(user)))
        setattr(request, _REQUEST_ATTRIBUTE, found)
    return found
