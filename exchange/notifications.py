"""The marketplace's mail: queued in the action's transaction, so it goes out only once the action
has committed (never for a rolled-back change)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.mail import outbound_email_queue
from exchange.models import Exchange, Listing
from members.models import Member


def member_notify(recipient: Member, subject: str, body: str) -> None:
    """Mail one member about an exchange (nothing if they left no address)."""
    email = recipient.user.email
    if email:
        outbound_email_queue(to=email, subject=subject, body=body)


def other_party(exchange: Exchange, member: Member | None) -> Member:
    """The seller for the buyer, the buyer for anyone else."""
    return exchange.seller if member is not None and member.pk == exchange.buyer_id else exchange.buyer


def exchange_parties_notify(exchange: Exchange, member: Member | None, subject: str) -> None:
    """Tell the other party what `member` did; both parties when no member acted (a moderator, the beat)."""
    recipients = [exchange.buyer, exchange.seller] if member is None else [other_party(exchange, member)]
    body = _("%(subject)s\n\nExchange #%(id)s: “%(title)s”.") % {
        "subject": subject,
        "id": exchange.pk,
        "title": exchange.listing.title,
    }
    for recipient in recipients:
        member_notify(recipient, subject, body)


def listing_author_mail(listing: Listing, subject: Callable[[], str], body: Callable[[], str]) -> None:
    """Queue a mail to the author (sent once the action commits), in the site's language."""
    email = listing.author.user.email
    if not email:
        return
    with override(settings.LANGUAGE_CODE):
        outbound_email_queue(to=email, subject=subject(), body=body())


def listing_url(listing: Listing) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("listing-detail", kwargs={"pk": listing.pk})


def listing_expired_mail(listing: Listing) -> None:
    title, name, url = listing.title, listing.author.display_name, listing_url(listing)
    listing_author_mail(
        listing,
        lambda: _("Your listing “%(title)s” has expired") % {"title": title},
        lambda: (
            _(
                "Hello %(name)s,\n\nyour listing “%(title)s” has expired and no longer appears in the "
                "marketplace. Give it a new expiry date to publish it again:\n\n%(url)s\n\nBocage"
            )
            % {"name": name, "title": title, "url": url}
        ),
    )
