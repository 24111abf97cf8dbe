"""Reads of listings: the marketplace search, its pages, and what one user may see.

On PostgreSQL the text search is PostgreSQL's (French stemming: "vélos" finds "vélo"; accents
aside: "velo" finds "vélo"), on the stored tsvector column `search_document` and its GIN index
(migration 0004). On SQLite every word must appear in the title or the description, accents and
capitals aside: each letter typed becomes a GLOB class of its accented and capital forms
("velo" → `*[vV][eEèéêë…][lL][oOòóôõö…]*`). A stored folded column was the other way; SQLite's
parser cannot nest the sixty REPLACE() calls a generated one needs, and one kept by Python would
keep an erased listing's old text (members.erasure rewrites listings with update()). Ligatures
are two letters written as one, which a GLOB class cannot match: the text's œ, Œ, æ and Æ are
spelt out by four REPLACE() around each column, the query's too, so "oeufs" finds "Œufs" and
"œufs" "oeufs".

A search is counted up to SEARCH_COUNT_LIMIT: past it the count says "more than 1,000" and stops
there, so a common word never makes the database count every match (issue 22).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import BooleanField, CharField, F, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from core.errors import NotFound
from core.typing import RequestUser
from exchange.models import Category, Listing
from ledger.units import all_units
from members.models import Commune

# French with the unaccent dictionary before the stemmer (migration 0004).
SEARCH_CONFIG = "bocage_french"
WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 10
# Past this many matches a search is not counted further: "more than 1,000 listings".
SEARCH_COUNT_LIMIT = 1000
# A page number beyond any real search, yet small enough for SQL's OFFSET (?page=10**100 is no 500).
MAX_PAGE = 100_000


def search_document() -> RawSQL:
    """PostgreSQL's stored tsvector of a listing (a column of migration 0004, not a model field)."""
    return RawSQL('"exchange_listing"."search_document"', [], output_field=SearchVectorField())


# The accented letters of French and its neighbours; each base letter typed finds them all.
ACCENTED = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿ"


def _letter_forms() -> dict[str, str]:
    forms: dict[str, str] = {}
    for accented in ACCENTED + ACCENTED.upper():
        base = unicodedata.normalize("NFD", accented)[0].lower()
        forms[base] = forms.get(base, base + base.upper()) + accented
    return forms


LETTER_FORMS = _letter_forms()

# Two letters written as one: "oeufs" and "œufs" are the same word (SQLite's search spells both out).
LIGATURES = {"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"}


class _Glob(Func):
    """SQLite's `text GLOB pattern`: case-sensitive, hence the classes of _glob_pattern."""

    arg_joiner = " GLOB "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _spelt_out(column: str) -> F | Func:
    """SQLite: the column with its ligatures written as two letters ("Œufs" → "Oeufs")."""
    expression: F | Func = F(column)
    for ligature, letters in LIGATURES.items():
        expression = Func(expression, Value(ligature), Value(letters), function="REPLACE", output_field=CharField())
    return expression


def _glob_pattern(word: str) -> str:
    """ "Vélo" → "*[vV][eEèéêëÈÉÊË][lL][oOòóôõöÒÓÔÕÖ]*": the word anywhere, accents and capitals aside;
    a ligature as its two letters ("œuf" → "*[oO…][eE…][uU…][fF]*", matched against _spelt_out).

    Only letters and digits reach here (WORD), so no GLOB syntax gets in.
    """
    parts = []
    for char in "".join(LIGATURES.get(char, char) for char in word):
        base = unicodedata.normalize("NFD", char)[0].lower()
        if base in LETTER_FORMS:
            parts.append(f"[{LETTER_FORMS[base]}]")
        elif len(char.upper()) == 1 and char.upper() != char.lower():
            parts.append(f"[{char.lower()}{char.upper()}]")
        else:
            parts.append(char)
    return "*" + "".join(parts) + "*"


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
        return queryset.alias(search=search_document()).filter(search=query)
    for word in WORD.findall(q)[:MAX_WORDS]:
        pattern = Value(_glob_pattern(word))
        queryset = queryset.filter(
            Q(_Glob(_spelt_out("title"), pattern)) | Q(_Glob(_spelt_out("description"), pattern))
        )
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


@dataclass(frozen=True)
class ResultsPage:
    """One page of a search: its listings, and how many there are in all, or "more than" `count`.

    Pages are numbered from 1; next and previous work past the counted limit (the next page is
    known to exist when one listing more than a page was read), but the last page is then unknown.
    """

    object_list: list[Listing]
    number: int
    size: int
    count: int
    count_is_lower_bound: bool
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int | None:
        """The number of pages, None when the count is only a lower bound."""
        return None if self.count_is_lower_bound else max(1, math.ceil(self.count / self.size))


def listing_search_count(queryset: QuerySet[Listing]) -> tuple[int, bool]:
    """(count, more): the exact count up to SEARCH_COUNT_LIMIT, else (SEARCH_COUNT_LIMIT, True).

    `SELECT count(*) FROM (… LIMIT limit + 1)`: the database stops at the first listing past the
    limit instead of counting every match of a common word.
    """
    found = queryset.order_by()[: SEARCH_COUNT_LIMIT + 1].count()
    return min(found, SEARCH_COUNT_LIMIT), found > SEARCH_COUNT_LIMIT


def listing_results_page(queryset: QuerySet[Listing], *, number: object, size: int) -> ResultsPage:
    """Page `number` (anything: a bad or missing number is page 1; past the last known page, the
    last page) of `queryset`: two queries, the capped count and the page (plus its prefetches)."""
    try:
        page_number = min(max(1, int(str(number))), MAX_PAGE)
    except ValueError:
        page_number = 1
    count, more = listing_search_count(queryset)
    if not more:
        page_number = min(page_number, max(1, math.ceil(count / size)))
    offset = (page_number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    return ResultsPage(
        object_list=rows[:size],
        number=page_number,
        size=size,
        count=count,
        count_is_lower_bound=more,
        has_next=len(rows) > size,
    )


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
