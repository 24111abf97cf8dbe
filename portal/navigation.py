"""The site's menu: groups of links by what people do, filtered by who is asking, with the current
page marked and the "to handle" counts (the `inbox` context variable) as badges.

Plain data for the shell's templates (templates/base.html through the `site_menu` tag); nothing here
reads another app's tables but through its selectors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core import usercache
from members.selectors import member_or_none
from places.selectors.roles import managed_place_ids


@dataclass(frozen=True)
class Viewer:
    """Who asks, reduced to what the menu depends on."""

    authenticated: bool
    member: bool
    business: bool
    staff: bool
    clerk: bool
    auditor: bool
    # Manages at least one place of the network (staff: every place).
    place_manager: bool = False

    @classmethod
    def of(cls, user: Any) -> Viewer:
        """What the menu depends on, kept a few seconds per user (core.usercache)."""
        if user is None or not user.is_authenticated:
            return cls(False, False, False, False, False, False)
        return usercache.cached(user.pk, _VIEWER, lambda: cls._read(user))

    @classmethod
    def _read(cls, user: Any) -> Viewer:
        member = member_or_none(user)
        staff = bool(user.is_staff)
        return cls(
            authenticated=True,
            member=member is not None,
            business=member is not None and member.kind == "business",
            staff=staff,
            clerk=staff or user.comptoirs.exists(),
            auditor=staff or user.has_perm("ledger.audit_ledger"),
            place_manager=bool(managed_place_ids(user)) if member is not None or staff else False,
        )


_VIEWER = usercache.register("menu-viewer")

Rule = Callable[[Viewer], bool]


def everyone(viewer: Viewer) -> bool:
    return True


def logged_in(viewer: Viewer) -> bool:
    return viewer.authenticated


def member(viewer: Viewer) -> bool:
    return viewer.member


@dataclass(frozen=True)
class Entry:
    key: str
    label: str | Promise
    url_name: str
    shown: Rule = everyone
    # Other paths under which this entry is the current one (the longest match wins).
    prefixes: tuple[str, ...] = ()
    # Other URL names for which this entry is the current one.
    names: tuple[str, ...] = ()
    # The key of `inbox.counts` shown as a badge.
    badge: str = ""


@dataclass(frozen=True)
class Group:
    key: str
    label: str | Promise
    entries: tuple[Entry, ...]
    staff: bool = False


MENU: tuple[Group, ...] = (
    Group(
        "money",
        _("My money"),
        (
            Entry("accounts", _("My accounts"), "dashboard", member, names=("statement",)),
            Entry("pay", _("Pay someone"), "pay", member),
            Entry("payment-requests", _("Payment requests"), "payment-request-list", member, badge="payment_requests"),
            Entry(
                "my-reconversions",
                _("Reconversions"),
                "reconversion-list",
                lambda viewer: viewer.business and not viewer.staff,
            ),
            Entry("membership", _("My membership"), "membership", member),
            Entry("personal-data", _("My data"), "personal-data", member),
            Entry("profile", _("My profile"), "profile", member, prefixes=("/me/",)),
        ),
    ),
    Group(
        "trade",
        _("Trade and time bank"),
        (
            Entry("marketplace", _("Marketplace"), "listing-search", logged_in, prefixes=("/marketplace/",)),
            Entry(
                "exchanges", _("My exchanges"), "exchange-list", member, prefixes=("/exchanges/",), badge="exchanges"
            ),
            Entry("timebank", _("Time bank"), "timebank-home", member, prefixes=("/timebank/",), badge="timebank"),
        ),
    ),
    Group(
        "projects",
        _("Projects"),
        (
            Entry("crowdfunding", _("Crowdfunding"), "campaign-list", prefixes=("/campaigns/",), badge="campaigns"),
            Entry("cooperative", _("Cooperative"), "cooperative-list", prefixes=("/cooperatives/",), badge="approvals"),
        ),
    ),
    Group(
        "places",
        _("Places"),
        (
            Entry("network", _("The network"), "place-list", prefixes=("/places/",)),
            Entry("my-bookings", _("My bookings"), "my-bookings", member, prefixes=("/me/bookings/",)),
            Entry("manage-place", _("Manage my place"), "place-manage-home", lambda v: v.place_manager),
            Entry("directory", _("Where to pay in ACH"), "directory"),
        ),
    ),
    Group("territory", _("The territory"), (Entry("transparency", _("Transparency"), "transparency"),)),
    Group(
        "staff",
        _("Management"),
        (
            Entry(
                "comptoir", _("Exchange office"), "comptoir-home", lambda v: v.clerk, ("/comptoir/",), badge="comptoir"
            ),
            Entry(
                "reconversions",
                _("Reconversions"),
                "reconversion-list",
                lambda v: v.staff,
                ("/reconversion/",),
                badge="reconversions",
            ),
            Entry(
                "applications",
                _("Membership applications"),
                "membership-applications",
                lambda v: v.staff,
                ("/membership/applications/", "/membership/members/"),
                badge="applications",
            ),
            Entry(
                "moderation",
                _("Campaign moderation"),
                "campaign-moderation",
                lambda v: v.staff,
                ("/campaigns/moderation/",),
                badge="moderation",
            ),
            Entry("member-create", _("New member"), "member-create", lambda v: v.staff, ("/members/new/",)),
            Entry("member-import", _("Import members"), "member-import", lambda v: v.staff, ("/members/import/",)),
            Entry("audit", _("Audit"), "audit-home", lambda v: v.auditor, ("/audit/",), badge="audit"),
            Entry("admin", _("Administration"), "admin:index", lambda v: v.staff, ("/admin/",)),
        ),
        staff=True,
    ),
)


@dataclass
class Link:
    key: str
    label: str | Promise
    url: str
    current: bool = False
    count: int = 0


@dataclass
class MenuGroup:
    key: str
    label: str | Promise
    links: list[Link] = field(default_factory=list)
    staff: bool = False

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)

    @property
    def count(self) -> int:
        return sum(link.count for link in self.links)


def _counts(inbox: Any) -> Mapping[str, int]:
    if inbox is None:
        return {}
    counts = inbox.get("counts") if isinstance(inbox, Mapping) else getattr(inbox, "counts", None)
    return counts if isinstance(counts, Mapping) else {}


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def menu_for(user: Any, path: str = "", url_name: str = "", inbox: Any = None) -> list[MenuGroup]:
    """The groups this user sees, each with its visible links; empty groups are left out.

    One link at most is current: the one whose URL (or extra prefix) is the longest start of `path`
    ("/" only for itself), or whose extra URL names hold `url_name`.
    """
    viewer = Viewer.of(user)
    counts = _counts(inbox)
    groups: list[MenuGroup] = []
    best: tuple[int, Link] | None = None
    for group in MENU:
        shown = MenuGroup(group.key, group.label, staff=group.staff)
        for entry in group.entries:
            if not entry.shown(viewer):
                continue  # before reversing its URL: most of the menu is hidden from most readers
            url = _url(entry.url_name)
            if url is None:
                continue
            link = Link(entry.key, entry.label, url, count=int(counts.get(entry.badge, 0) or 0) if entry.badge else 0)
            shown.links.append(link)
            if url_name and url_name in entry.names:
                score = 10_000
            else:
                candidates = [url, *entry.prefixes]
                matches = [len(p) for p in candidates if (path == p if p == "/" else path.startswith(p))]
                score = max(matches, default=0)
            if score and (best is None or score > best[0]):
                best = (score, link)
        if shown.links:
            groups.append(shown)
    if best is not None:
        best[1].current = True
    if not viewer.member:
        # Staff who are no members come for their work: its group first.
        groups.sort(key=lambda group: not group.staff)
    return groups
