"""exchange's part of a member's personal data export: their listings and photos (file names), the
exchanges they took part in and their timeline, the messages they wrote, reviews given and received.

On leaving (members.erasure): their listings read « Annonce retirée » and are closed, their photos
deleted (files too), their messages read « Message effacé », the comments of reviews they gave or
received are erased (ratings kept), what they wrote on an exchange (its message, the timeline's
notes) too."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members import erasure
from members.personal_data import Section

from .models import Exchange, ExchangeEvent, ExchangeMessage, Listing, ListingPhoto, Review


def _exchanges(member: Any) -> Any:
    return Exchange.objects.filter(Q(buyer=member) | Q(seller=member) | Q(requested_by=member))


def _listings_erase(member: Any) -> int:
    title = erasure.site_text(erasure.LISTING_REMOVED)
    listings = Listing.objects.filter(author=member).exclude(
        title=title, description=title, availability="", hidden_reason="", status=Listing.Status.CLOSED
    )
    # Others were told of them by their titles (a proposal, an exchange's news).
    erasure.copies_redact(list(listings.exclude(title=title).values_list("title", flat=True)))
    return listings.update(
        title=title, description=title, availability="", hidden_reason="", status=Listing.Status.CLOSED
    )


def _photos_erase(member: Any) -> int:
    photos = list(ListingPhoto.objects.filter(listing__author=member))
    for photo in photos:
        erasure.file_delete_on_commit(photo.image)
    return ListingPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()[0]


def _exchanges_erase(member: Any) -> int:
    values = erasure.current_values(member)
    erased = Exchange.objects.filter(requested_by=member).exclude(message="").update(message="")
    for exchange in _exchanges(member).exclude(dispute_reason=""):
        if erasure.mentions(exchange.dispute_reason, values) or exchange.requested_by_id == member.pk:
            erased += Exchange.objects.filter(pk=exchange.pk).update(dispute_reason=erasure.site_text(erasure.REDACTED))
    return erased


def _events_erase(member: Any) -> int:
    values = erasure.current_values(member)
    erased = ExchangeEvent.objects.filter(actor_id=member.user_id).exclude(note="").update(note="")
    for event in ExchangeEvent.objects.filter(exchange__in=_exchanges(member)).exclude(note=""):
        if erasure.mentions(event.note, values):
            erased += ExchangeEvent.objects.filter(pk=event.pk).update(note="")
    return erased


def _messages_erase(member: Any) -> int:
    erased = erasure.site_text(erasure.MESSAGE_ERASED)
    return ExchangeMessage.objects.filter(author=member).exclude(body=erased).update(body=erased)


def _reviews_erase(member: Any) -> int:
    return Review.objects.filter(Q(author=member) | Q(subject=member)).exclude(comment="").update(comment="")


SECTIONS = (
    Section(
        "exchange/listings",
        _("Your listings"),
        Listing,
        lambda member: Listing.objects.filter(author=member).order_by("pk"),
        computed=amounts_in("price"),
        erase=_listings_erase,
    ),
    Section(
        "exchange/listing_photos",
        _("Photos of your listings (file names)"),
        ListingPhoto,
        lambda member: ListingPhoto.objects.filter(listing__author=member).order_by("pk"),
        erase=_photos_erase,
    ),
    Section(
        "exchange/exchanges",
        _("Exchanges as buyer or seller"),
        Exchange,
        lambda member: _exchanges(member).order_by("pk"),
        computed=amounts_in("amount"),
        erase=_exchanges_erase,
    ),
    Section(
        "exchange/exchange_events",
        _("The timeline of your exchanges"),
        ExchangeEvent,
        lambda member: ExchangeEvent.objects.filter(
            Q(exchange__in=_exchanges(member)) | Q(actor_id=member.user_id)
        ).order_by("pk"),
        erase=_events_erase,
    ),
    Section(
        "exchange/messages",
        _("Messages you wrote in exchanges"),
        ExchangeMessage,
        lambda member: ExchangeMessage.objects.filter(author=member).order_by("pk"),
        erase=_messages_erase,
    ),
    Section(
        "exchange/reviews",
        _("Reviews given and received"),
        Review,
        lambda member: Review.objects.filter(Q(author=member) | Q(subject=member)).order_by("pk"),
        erase=_reviews_erase,
    ),
)
