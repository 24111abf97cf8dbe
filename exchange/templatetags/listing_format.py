"""How a listing's category and price read, in the reader's language: filters rather than included
templates, because the marketplace writes them on every card of a page."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from exchange.models import Category, Listing
from ledger.units import get_unit

register = template.Library()


@register.filter
def category_path(category: Category) -> str:
    """`Category.path` in the reader's language: `Services › Jardinage`."""
    return category.path(get_language() or "fr")


@register.filter
def listing_price(listing: Listing) -> str:
    """`12,50 ACH`, `1 h 30`, or « À convenir » when the price is left to the exchange."""
    if listing.price is None:
        return _("To be agreed")
    return get_unit(listing.unit).format(listing.price)
