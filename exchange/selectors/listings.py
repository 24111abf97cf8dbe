"""Reads of listings: the marketplace search and what one user may see.

On PostgreSQL the text search is PostgreSQL's (French stemming: "vélos" finds "vélo"), served
by the GIN expression index of migration 0003, whose expression is `search_vector()` below; on
SQLite every word must appear in the title or the description (case-insensitive, ASCII only).
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

from core.errors import NotFound
from core.typing import RequestUser
from exchange.models import Category, Listing
from ledger.units import all_units
from members.models import Commune

SEARCH_CONFIG = "french"
WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 10


def search_vector() -> SearchVector:
    return SearchVector("title", "description", config=SEARCH_CONFIG)


def member_units() -> list[str]:
    return [code for code, unit in all_units().items() if unit.member_account]


def _minor_bound(unit: str, value: Decimal, rounding: str) -> int:
    scale = all_units()[unit].scale
    return int((value * scale).to_integral_value(rounding=rounding))


def _category_ids(category: Category | int) -> list[int]:
    category_id = category.pk if isinstance(category, Category) else int(category)
    children = list(Category.objects.filter(parent_id=category_id).values_list("pk", flat=True))
    return [category_id, *children]


def _tsquery(words: list[str]) -> str:
    """Every word, as a prefix, and a plural also as its singular.

    The French stemmer keeps the plural "s" after a vowel ("vélos" stays "vélos"), so "vélos"
    searches "vélos:* | vélo:*". Only letters and digits reach the query: no tsquery syntax.
    """
    terms = []
    for word in words:
        if len(word) > 3 and word[-1] in "sx":
            terms.append(f"({word}:* | {word[:-1]}:*)")
        else:
            terms.append(f"{word}:*")
    return " & ".join(terms)


def _text_filter(queryset: QuerySet[Listing], q: str) -> QuerySet[Listing]:
    if connection.vendor == "postgresql":
        words = WORD.findall(q.lower())[:MAX_WORDS]
        if not words:
            return queryset
        query = SearchQuery(_tsquery(words), config=SEARCH_CONFIG, search_type="raw")
        return queryset.alias(search=search_vector()).filter(search=query)
    for word in q.split()[:MAX_WORDS]:
        queryset = queryset.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return queryset


def listing_search(
    *,
    q: str = "",
    kind: str | None = None,
    category: Category | int | None = None,
    commune: Commune | int | None = None,
    unit: str | None = None,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
) -> QuerySet[Listing]:
    """Active listings matching every given filter, newest first.

    A parent category includes its children. A price range keeps only priced listings (in
    `unit` if given, else in any unit, each compared in its own minor units).
    """
    queryset = Listing.objects.filter(status=Listing.Status.ACTIVE).select_related(
        "category__parent", "commune", "author"
    )
    q = (q or "").strip()[:200]
    if q:
        queryset = _text_filter(queryset, q)
    if kind:
        queryset = queryset.filter(kind=kind)
    if category is not None and category != "":
        queryset = queryset.filter(category_id__in=_category_ids(category))
    if commune is not None and commune != "":
        queryset = queryset.filter(commune=commune)
    if unit:
        queryset = queryset.filter(unit=unit)
    if price_min is not None or price_max is not None:
        by_unit = Q()
        for code in [unit] if unit else member_units():
            bounds = Q(unit=code, price__isnull=False)
            if price_min is not None:
                bounds &= Q(price__gte=_minor_bound(code, price_min, ROUND_CEILING))
            if price_max is not None:
                bounds &= Q(price__lte=_minor_bound(code, price_max, ROUND_FLOOR))
            by_unit |= bounds
        queryset = queryset.filter(by_unit)
    return queryset.order_by("-created_at", "-id")


def listing_may_see(user: RequestUser, listing: Listing) -> bool:
    """Hidden listings: their author and staff only. Every other listing: any logged-in user."""
    if not user.is_authenticated:
        return False
    if listing.status != Listing.Status.HIDDEN:
        return True
    return bool(user.is_staff) or listing.author.user_id == user.pk


def listing_get_visible(*, user: RequestUser, listing_id: int) -> Listing:
    """A listing the user may see, with its photos; raises NotFound otherwise (hidden or absent)."""
    listing = (
        Listing.objects.select_related("category__parent", "commune", "author__user", "hidden_by")
        .prefetch_related("photos")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None or not listing_may_see(user, listing):
        raise NotFound()
    return listing


def listings_of_author(*, user: RequestUser) -> QuerySet[Listing]:
    """The user's own listings, every status, newest first."""
    if not user.is_authenticated:
        return Listing.objects.none()
    return (
        Listing.objects.filter(author__user_id=user.pk)
        .select_related("category__parent", "commune")
        .prefetch_related("photos")
        .order_by("-created_at", "-id")
    )
