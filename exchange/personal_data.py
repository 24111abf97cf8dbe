"""exchange's part of a member's personal data export: their listings and photos (file names), the
exchanges they took part in and their timeline, the messages they wrote, reviews given and received."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members.personal_data import Section

from .models import Exchange, ExchangeEvent, ExchangeMessage, Listing, ListingPhoto, Review


def _exchanges(member: Any) -> Any:
    return Exchange.objects.filter(Q(buyer=member) | Q(seller=member) | Q(requested_by=member))


SECTIONS = (
    Section(
        "exchange/listings",
        _("Your listings"),
        Listing,
        lambda member: Listing.objects.filter(author=member).order_by("pk"),
        computed=amounts_in("price"),
    ),
    Section(
        "exchange/listing_photos",
        _("Photos of your listings (file names)"),
        ListingPhoto,
        lambda member: ListingPhoto.objects.filter(listing__author=member).order_by("pk"),
    ),
    Section(
        "exchange/exchanges",
        _("Exchanges as buyer or seller"),
        Exchange,
        lambda member: _exchanges(member).order_by("pk"),
        computed=amounts_in("amount"),
    ),
    Section(
        "exchange/exchange_events",
        _("The timeline of your exchanges"),
        ExchangeEvent,
        lambda member: ExchangeEvent.objects.filter(
            Q(exchange__in=_exchanges(member)) | Q(actor_id=member.user_id)
        ).order_by("pk"),
    ),
    Section(
        "exchange/messages",
        _("Messages you wrote in exchanges"),
        ExchangeMessage,
        lambda member: ExchangeMessage.objects.filter(author=member).order_by("pk"),
    ),
    Section(
        "exchange/reviews",
        _("Reviews given and received"),
        Review,
        lambda member: Review.objects.filter(Q(author=member) | Q(subject=member)).order_by("pk"),
    ),
)
