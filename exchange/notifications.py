"""The marketplace's notifications: on the site, and by mail when the member wants it (core.notifications).
Written in the action's transaction, so the mail goes out only once the action has committed (never
for a rolled-back change)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from core.notifications import NotificationKind, notify
from exchange.models import Exchange, Listing
from members.models import Member

GROUP = gettext_lazy("Marketplace")

# What happened to an exchange, by the transition's action: the subject of the mail and the news on the site.
EXCHANGE_EVENTS = {
    "accept": gettext_lazy("Your exchange was accepted"),
    "decline": gettext_lazy("Your exchange was declined"),
    "cancel": gettext_lazy("An exchange was cancelled"),
    "deliver": gettext_lazy("Your exchange was marked delivered: please confirm it"),
    "confirm": gettext_lazy("Your exchange was confirmed: the payment is posted"),
    "dispute": gettext_lazy("An exchange is disputed: a moderator will look at it"),
    "resolve": gettext_lazy("A moderator resolved your disputed exchange"),
    "auto_capture": gettext_lazy("Your exchange was paid automatically (no confirmation in time)"),
}


def _exchange_event(params: Mapping[str, Any]) -> str:
    return _("Exchange #%(id)s “%(title)s”: %(event)s") % {
        "id": params["id"],
        "title": params["title"],
        "event": EXCHANGE_EVENTS[params["event"]],
    }


NOTIFICATION_KINDS = (
    NotificationKind(
        code="exchange_proposed",
        label=gettext_lazy("Someone proposes an exchange to me"),
        group=GROUP,
        message=gettext_lazy("%(who)s proposes an exchange on “%(title)s” for %(amount)s."),
    ),
    NotificationKind(
        code="exchange_updated",
        label=gettext_lazy("One of my exchanges moves on (accepted, delivered, paid…)"),
        group=GROUP,
        message=_exchange_event,
    ),
    NotificationKind(
        code="exchange_message",
        label=gettext_lazy("A message on one of my exchanges"),
        group=GROUP,
        message=gettext_lazy("%(who)s wrote on exchange #%(id)s “%(title)s”."),
    ),
    NotificationKind(
        code="listing_hidden",
        label=gettext_lazy("A moderator hides one of my listings"),
        group=GROUP,
        message=gettext_lazy("A moderator hid your listing “%(title)s”: %(reason)s"),
    ),
    NotificationKind(
        code="listing_expired",
        label=gettext_lazy("One of my listings expires"),
        group=GROUP,
        message=gettext_lazy("Your listing “%(title)s” has expired: give it a new expiry date to publish it again."),
    ),
)


def exchange_path(exchange: Exchange) -> str:
    return reverse("exchange-detail", kwargs={"pk": exchange.pk})


def member_notify(
    recipient: Member, kind: str, params: Mapping[str, Any], url: str, subject: str, body: str, dedupe_key: str = ""
) -> None:
    """Notify one member about an exchange: on the site, and by mail if they want it and left an address."""
    notify(recipient.user, kind, params, url, email=(subject, body), dedupe_key=dedupe_key)


def other_party(exchange: Exchange, member: Member | None) -> Member:
    """The seller for the buyer, the buyer for anyone else."""
    return exchange.seller if member is not None and member.pk == exchange.buyer_id else exchange.buyer


def exchange_parties_notify(exchange: Exchange, member: Member | None, event: str) -> None:
    """Tell the other party what `member` did; both parties when no member acted (a moderator, the beat)."""
    recipients = [exchange.buyer, exchange.seller] if member is None else [other_party(exchange, member)]
    subject = str(EXCHANGE_EVENTS[event])
    body = _("%(subject)s\n\nExchange #%(id)s: “%(title)s”.") % {
        "subject": subject,
        "id": exchange.pk,
        "title": exchange.listing.title,
    }
    params = {"id": exchange.pk, "title": exchange.listing.title, "event": event}
    for recipient in recipients:
        member_notify(recipient, "exchange_updated", params, exchange_path(exchange), subject, body)


def listing_author_notify(
    listing: Listing,
    kind: str,
    params: Mapping[str, Any],
    subject: Callable[[], str],
    body: Callable[[], str],
    dedupe_key: str = "",
) -> None:
    """Notify the author (the mail, sent once the action commits, in the site's language)."""
    with override(settings.LANGUAGE_CODE):
        email = (subject(), body())
    notify(
        listing.author.user,
        kind,
        params,
        reverse("listing-detail", kwargs={"pk": listing.pk}),
        email=email,
        dedupe_key=dedupe_key,
    )


def listing_url(listing: Listing) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("listing-detail", kwargs={"pk": listing.pk})


def listing_expired_mail(listing: Listing) -> None:
    title, name, url = listing.title, listing.author.display_name, listing_url(listing)
    listing_author_notify(
        listing,
        "listing_expired",
        {"title": title},
        lambda: _("Your listing “%(title)s” has expired") % {"title": title},
        lambda: (
            _(
                "Hello %(name)s,\n\nyour listing “%(title)s” has expired and no longer appears in the "
                "marketplace. Give it a new expiry date to publish it again:\n\n%(url)s\n\nBocage"
            )
            % {"name": name, "title": title, "url": url}
        ),
        dedupe_key=f"listing_expired:{listing.pk}:{listing.expires_on}",
    )
