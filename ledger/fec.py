"""The FEC (Fichier des Écritures Comptables, art. A47 A-1 of the Livre des procédures fiscales)
of a fiscal year: the statutory file an accountant or the tax administration reads.

An FEC holds the euro-valued books of one legal entity (`FecBooks`). The association that issues
the currency keeps euros and the local currency, which is written in euros at par (one unit is
backed by one euro: no Montantdevise/Idevise). Each cooperative (SCIC) is another legal entity,
with its own SIREN: the transactions on its capital account make its own FEC and are left out of
the association's. Hours and SEL units are not money: they go to a separate, non-statutory file
in the same format, titled as such (its name and its journals' labels say so).

Tab-separated, the 18 columns of `FEC_COLUMNS`, one line per ledger entry. A ledger transaction
becomes one écriture per journal it touches (one journal per unit), each balanced since a
transaction's entries sum to zero per unit (invariant 1) — so a transaction spanning euros and
hours keeps its euro écriture balanced in the statutory file. Dates are AAAAMMJJ (the local day,
Europe/Paris); amounts have a decimal comma and no thousands separator; of Debit and Credit one
is 0,00. EcritureNum numbers each journal's écritures without gaps (`EUR000001`, `ACH000001`…)
in date order; PieceRef is the transaction's number. The file is ISO-8859-15 (one of the
encodings the article accepts), characters outside it transliterated; UTF-8 on request. The
accounts of the plan comptable and the journals are configuration: `settings.BOCAGE_FEC_ACCOUNTS`
and `BOCAGE_FEC_JOURNALS` (their comment explains the sign).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import heapq
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import override

from . import kinds
from .books import start_of_day
from .models import Account, Entry, Transaction
from .units import UnitKind, all_units, get_unit

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
LINE_END = "\r\n"
CHUNK_SIZE = 10_000  # transactions between two progress reports
FETCH_SIZE = 5000  # rows read from the cursor at a time

ASSOCIATION = "association"
LATIN_9 = "iso-8859-15"
UTF_8 = "utf-8"
ENCODINGS = (LATIN_9, UTF_8)
# A cooperative's capital account is the system account `capital` with this reference + its SIREN
# (cooperative.services.setup): the ledger finds each SCIC's books without importing the app.
COOPERATIVE_REFERENCE = "coop:"
# What NFKD does not bring into ISO-8859-15 by itself (typographic quotes and dashes).
_LATIN_9_REPLACEMENTS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2022": "*",
        "\u2044": "/",
    }
)

# What `_clean` changes: a tab, a line break (`str.splitlines`), whitespace at either end (`strip`).
_NEEDS_CLEANING = re.compile("[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]|^\\s|\\s$")
# A character ISO-8859-15 has not: beyond U+00FF but for its eight letters, or one of the eight
# signs of ISO-8859-1 it replaced (¤ ¦ ¨ ´ ¸ ¼ ½ ¾).
_OUTSIDE_LATIN_9 = re.compile(
    "[^\x00-\xa3\xa5\xa7\xa9-\xb3\xb5-\xb7\xb9-\xbb\xbf-\xff\u20ac\u0160\u0161\u017d\u017e\u0152\u0153\u0178]"
)
AMOUNTS_KEPT = 100_000  # formatted amounts remembered per unit (prices repeat; memory stays bounded)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FecAccount:
    number: str
    label: str
    aux_number: str = ""
    aux_label: str = ""


@dataclass(frozen=True)
class FecBooks:
    """Whose books and which: `entity` is "association" or a cooperative's SIREN; `statutory`
    False is the association's hours and SEL units, in the FEC's format but not an FEC."""

    entity: str = ASSOCIATION
    statutory: bool = True

    @property
    def is_cooperative(self) -> bool:
        return self.entity != ASSOCIATION

    def units(self) -> list[str]:
        """Money (euros, the backed local currency) for an FEC; the other units for the rest."""
        return [code for code in all_units() if is_money(code) == self.statutory]


def is_money(unit: str) -> bool:
    return get_unit(unit).kind in {UnitKind.FIAT, UnitKind.BACKED}


def cooperative_capital_accounts() -> Any:
    return Account.objects.filter(
        kind=Account.Kind.SYSTEM, system_code=Account.SystemCode.CAPITAL, reference__startswith=COOPERATIVE_REFERENCE
    )


def fec_entities() -> list[tuple[str, str]]:
    """(entity, name) of every legal entity with books: the association, then each cooperative."""
    entities = [(ASSOCIATION, str(settings.BOCAGE_ASSOCIATION_NAME))]
    sirens = [
        reference.removeprefix(COOPERATIVE_REFERENCE)
        for reference in cooperative_capital_accounts().order_by("id").values_list("reference", flat=True)
    ]
    names: dict[str, str] = {}
    if apps.is_installed("cooperative"):  # the names only: the books stand without the app
        cooperative = apps.get_model("cooperative", "Cooperative")
        names = dict(cooperative.objects.filter(siren__in=sirens).values_list("siren", "name"))
    return entities + [(siren, f"{names.get(siren, siren)} (SIREN {siren})") for siren in sirens]


def fiscal_year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """1 January 00:00 to the next 1 January 00:00, local time."""
    return start_of_day(datetime.date(year, 1, 1)), start_of_day(datetime.date(year + 1, 1, 1))


def fec_filename(year: int, books: FecBooks = FecBooks()) -> str:
    """The statutory name: the entity's SIREN, "FEC", the closing date (`123456789FEC20261231.txt`);
    the non-statutory file says so in its name (`123456789NONSTATUTAIRE20261231.txt`)."""
    siren = books.entity if books.is_cooperative else settings.BOCAGE_FEC_SIREN
    return f"{siren}{'FEC' if books.statutory else 'NONSTATUTAIRE'}{year}1231.txt"


def fec_transactions(year: int, books: FecBooks = FecBooks()) -> Any:
    """The year's transactions of the entity: a cooperative's touch its capital account, the
    association's are all the others."""
    start, end = fiscal_year_bounds(year)
    transactions = Transaction.objects.filter(created_at__gte=start, created_at__lt=end)
    if books.is_cooperative:
        capital = cooperative_capital_accounts().filter(reference=f"{COOPERATIVE_REFERENCE}{books.entity}")
    else:
        capital = cooperative_capital_accounts()
    on_capital = Exists(Entry.objects.filter(transaction_id=OuterRef("pk"), account_id__in=capital.values("id")))
    return transactions.filter(on_capital) if books.is_cooperative else transactions.exclude(on_capital)


def journal_of(unit: str, statutory: bool = True) -> tuple[str, str]:
    code, label = settings.BOCAGE_FEC_JOURNALS.get(unit, (unit, unit))
    if not statutory:  # on every line: a page of it printed alone still says what it is
        label = f"{label} (non statutaire)"
    return code, label


def latin_9(text: str) -> str:
    """`text` in ISO-8859-15: typographic signs replaced, accents kept where the charset has them,
    dropped (NFKD) where not (`ő` → `o`, `…` → `...`), anything else (emoji) removed."""
    if text.isascii() or not _OUTSIDE_LATIN_9.search(text):  # the signs replaced are all outside it
        return text
    kept = []
    for char in text.translate(_LATIN_9_REPLACEMENTS):
        try:
            char.encode(LATIN_9)
            kept.append(char)
        except UnicodeEncodeError:
            kept.extend(part for part in unicodedata.normalize("NFKD", char) if _in_latin_9(part))
    return "".join(kept)


def _in_latin_9(char: str) -> bool:
    try:
        char.encode(LATIN_9)
    except UnicodeEncodeError:
        return False
    return True


def _journal_order(unit: str) -> tuple[int, str]:
    journals = list(settings.BOCAGE_FEC_JOURNALS)
    return (journals.index(unit) if unit in journals else len(journals), unit)


def chart_account(account: Account, transaction_kind: str) -> FecAccount:
    """The plan comptable account of a ledger account, most specific mapping key first."""
    holder = account.holder if account.holder_id is not None else None
    return _chart(
        _AccountFields(
            kind=account.kind,
            unit=account.unit,
            system_code=account.system_code,
            reference=account.reference,
            pk=account.pk,
            holder_id=account.holder_id,
            holder_kind=holder.kind if holder is not None else "",
            holder_name=holder.display_name if holder is not None else "",
            label=account.label,
        ),
        transaction_kind,
    )


@dataclass(frozen=True)
class _AccountFields:
    """What the chart of accounts needs of a ledger account (not the whole row and its holder)."""

    kind: str
    unit: str
    system_code: str
    reference: str
    pk: int
    holder_id: int | None
    holder_kind: str
    holder_name: str
    label: str  # Account.label: its name, else its holder's, else its system code's (translated)


def _chart(account: _AccountFields, transaction_kind: str) -> FecAccount:
    mapping: dict[str, tuple[str, str]] = settings.BOCAGE_FEC_ACCOUNTS
    member = account.kind == Account.Kind.MEMBER and account.holder_id is not None
    if member:
        bases = [
            f"{account.unit}.member.{account.holder_kind}",
            f"{account.unit}.member",
            f"*.member.{account.holder_kind}",
            "*.member",
        ]
    else:
        bases = [f"{account.unit}.{account.system_code}", f"*.{account.system_code}"]
    candidates = [key for base in bases for key in (f"{base}@{transaction_kind}", base)] + ["*"]
    number, label = next(mapping[key] for key in candidates if key in mapping)
    if member:
        return FecAccount(number, label, str(account.holder_id), account.holder_name)
    if account.reference:  # one escrow per campaign, one capital per cooperative: keep them apart
        return FecAccount(number, label, f"S{account.pk}", account.label)
    return FecAccount(number, label)


def _accounts_fields(ids: Iterable[int]) -> dict[int, _AccountFields]:
    """The chart fields of these accounts, in one query (no model instances: a year may meet many)."""
    system_labels = dict(Account.SystemCode.choices)
    found = {}
    rows = Account.objects.filter(pk__in=list(ids)).values_list(
        "pk", "kind", "unit", "system_code", "reference", "name", "holder_id", "holder__kind", "holder__display_name"
    )
    for pk, kind, unit, system_code, reference, name, holder_id, holder_kind, holder_name in rows:
        # Account.label, without the instance.
        label = name or (holder_name if holder_id is not None else str(system_labels.get(system_code, system_code)))
        found[pk] = _AccountFields(
            kind, unit, system_code, reference, pk, holder_id, holder_kind or "", holder_name or "", label
        )
    return found


def _clean(value: Any) -> str:
    """A field may hold no tab or line break (they separate fields and lines)."""
    text = str(value)
    if not _NEEDS_CLEANING.search(text):  # most memos: nothing to do, found at C speed
        return text
    return " ".join(text.replace("\t", " ").splitlines()).strip()


def fec_amount(minor: int, unit: str) -> str:
    """`1234,50`: the unit's decimals (at least two), a comma, no thousands separator, no sign."""
    decimals = max(get_unit(unit).decimals, 2)
    value = get_unit(unit).to_decimal(abs(minor))
    return f"{value:.{decimals}f}".replace(".", ",")


def amount_formatter(decimals: int) -> Callable[[int], str]:
    """`fec_amount` for a unit of `decimals`, on a non-negative amount, with integers only (the
    writer calls it once per line)."""
    scale = 10**decimals
    if decimals == 0:
        return lambda minor: f"{minor},00"
    template = f"%d,%0{decimals}d" + "0" * max(2 - decimals, 0)
    return lambda minor: template % divmod(minor, scale)


# Where the rows come from. A ledger records nearly every transaction after the one before it
# (its date is when it was posted), so the year read in id order is already in date order but for
# a few: those dated before a transaction of a smaller id (backdated imports, two postings whose
# commits crossed). Those few are read apart, sorted by date, and merged into the stream; the rest
# needs no sort of the whole year, only index scans (PostgreSQL streams it as it reads).
IN_ORDER, DISPLACED = "in_order", "displaced"
KEY = 7  # the column of a row's (date) sort key; with the transaction id (column 0), its place


def _year_rows_sql(
    year: int, books: FecBooks, units: list[str], part: str, ids: tuple[int, int]
) -> tuple[str, list[Any]]:
    """One ordered query for a part of the year: each entry of `units` with its transaction.

    `IN_ORDER`: the transactions dated no earlier than every transaction of a smaller id in the
    year, in id order (thus in date order); `DISPLACED`: the others, in date then id order. Within
    a transaction, entries go by journal (`_journal_order`), then id. `ids`: the smallest and the
    largest id of the year's transactions, so that both index scans start and stop there.

    Columns: transaction id, day, kind, memo, account id, unit, amount, sort key. The day is the
    local date `YYYYMMDD` computed by PostgreSQL; SQLite has no time zones and gives the stored UTC
    text up to the hour (`_Days` turns it into the local date: the offsets of Europe/Paris are whole
    hours). The sort key is the time in microseconds (PostgreSQL) or the stored UTC text (SQLite,
    which sorts as the time does: the ORM orders by it too).
    """
    start, end = fiscal_year_bounds(year)
    transaction_table, entry_table = Transaction._meta.db_table, Entry._meta.db_table
    day_params: list[Any] = []
    if connection.vendor == "postgresql":
        day = "to_char(t.created_at AT TIME ZONE %s, 'YYYYMMDD')"
        day_params.append(timezone.get_current_timezone_name())
        key = "(extract(epoch FROM t.created_at) * 1000000)::bigint"
    else:
        day, key = "substr(t.created_at, 1, 13)", "t.created_at"
    ordered = sorted(units, key=_journal_order)
    journal_rank, ranked = "0", []
    if len(ordered) > 1:
        journal_rank = "CASE e.unit " + " ".join("WHEN %s THEN " + str(rank) for rank in range(len(ordered))) + " END"
        ranked = ordered
    capital = cooperative_capital_accounts()
    if books.is_cooperative:
        capital = capital.filter(reference=f"{COOPERATIVE_REFERENCE}{books.entity}")
    capital_ids = list(capital.values_list("pk", flat=True))
    on_capital = ""
    if capital_ids or books.is_cooperative:
        on_capital = (
            f"AND {'' if books.is_cooperative else 'NOT '}EXISTS (SELECT 1 FROM {entry_table} c"  # noqa: S608 - our names
            f" WHERE c.transaction_id = y.id AND c.account_id IN ({', '.join(['%s'] * len(capital_ids)) or 'NULL'}))"
        )
    if part == IN_ORDER:
        place, order = "(y.latest_before IS NULL OR y.created_at >= y.latest_before)", "y.id"
    else:
        place, order = "y.created_at < y.latest_before", "y.created_at, y.id"
    sql = (
        f"WITH y AS (SELECT t.id, t.created_at, t.kind, t.memo, {day} AS day, {key} AS sort_key,"  # noqa: S608 - names from the models, %s for values
        f" max(t.created_at) OVER (ORDER BY t.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_before"
        f" FROM {transaction_table} t WHERE t.created_at >= %s AND t.created_at < %s AND t.id BETWEEN %s AND %s)"
        f" SELECT y.id, y.day, y.kind, y.memo, e.account_id, e.unit, e.amount, y.sort_key"
        f" FROM y JOIN {entry_table} e ON e.transaction_id = y.id"
        f" WHERE {place} AND e.transaction_id BETWEEN %s AND %s AND e.unit IN ({', '.join(['%s'] * len(units))})"
        f" {on_capital}"
        f" ORDER BY {order}, {journal_rank}, e.id"
    )
    adapt = connection.ops.adapt_datetimefield_value
    return sql, [*day_params, adapt(start), adapt(end), *ids, *ids, *units, *capital_ids, *ranked]


def _place(row: tuple[Any, ...]) -> tuple[Any, int]:
    return row[KEY], row[0]


def _merged(in_order: Any, displaced: Any) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of rows of both cursors in date order, none longer than two fetches: a fetch of one
    stream passes whole while the other has nothing within its dates; where both have, the rows up
    to the earlier of their last places are merged (a transaction cut by a fetch keeps its place:
    its other rows share it, and everything left after is later)."""
    ahead, behind = in_order.fetchmany(FETCH_SIZE), displaced.fetchmany(FETCH_SIZE)
    while ahead or behind:
        if not behind or (ahead and _place(ahead[-1]) < _place(behind[0])):
            yield ahead
            ahead = in_order.fetchmany(FETCH_SIZE)
        elif not ahead or _place(behind[-1]) < _place(ahead[0]):
            yield behind
            behind = displaced.fetchmany(FETCH_SIZE)
        else:
            limit = min(_place(ahead[-1]), _place(behind[-1]))
            cut_ahead = bisect.bisect_right(ahead, limit, key=_place)
            cut_behind = bisect.bisect_right(behind, limit, key=_place)
            yield list(heapq.merge(ahead[:cut_ahead], behind[:cut_behind], key=_place))
            ahead = ahead[cut_ahead:] or in_order.fetchmany(FETCH_SIZE)
            behind = behind[cut_behind:] or displaced.fetchmany(FETCH_SIZE)


@contextlib.contextmanager
def _reader() -> Iterator[BaseDatabaseWrapper]:
    """The connection to read the year on. Outside a transaction (the export job, the command),
    a connection of its own in one REPEATABLE READ, READ ONLY transaction: the count and both
    cursors see one snapshot, the cursors need no WITH HOLD (which would copy the whole result on
    the server before the first row), and the progress the caller records on the default
    connection is seen at once. Inside the caller's transaction: that one, which sees its rows."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield connection
        return
    reader = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        reader.set_autocommit(False)
        with reader.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield reader
        reader.rollback()
    finally:
        reader.close()


class _KindLabels(dict[str, str]):
    """A kind's label, cleaned and transliterated: the line's label when its memo is blank."""

    def __init__(self, transliterate: Callable[[str], str]) -> None:
        super().__init__()
        self.transliterate = transliterate

    def __missing__(self, kind: str) -> str:
        label = self[kind] = self.transliterate(_clean(kinds.label(kind)))
        return label


class _Days(dict[str, str]):
    """The local day `YYYYMMDD` of what the query gives: the day itself (PostgreSQL), or the UTC
    hour `YYYY-MM-DD HH` (SQLite), converted once per hour met."""

    def __missing__(self, raw: str) -> str:
        if len(raw) == 8:
            day = raw
        else:
            utc = datetime.datetime.fromisoformat(f"{raw}:00").replace(tzinfo=datetime.UTC)
            day = timezone.localtime(utc).strftime("%Y%m%d")
        self[raw] = day
        return day


def fec_write(
    *,
    year: int,
    out: TextIO,
    books: FecBooks = FecBooks(),
    encoding: str = LATIN_9,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write the FEC of `year` for `books` to `out`; returns the lines of entries written. `out`
    must be opened in `encoding`: in ISO-8859-15 the text is transliterated first, so that writing
    it never fails.

    `progress(done, total)` is called at the start, every `chunk_size` transactions and at the end.

    Streamed: the year's transactions joined to their entries, in id order for nearly all and
    merged with the few dated out of that order (`_year_rows_sql`, `_merged`), read through
    server-side cursors on PostgreSQL `FETCH_SIZE` rows at a time, on a snapshot (`_reader`).
    Memory holds one batch of rows and of lines to write, and what is computed once and reused:
    per account (and kind, where the chart maps a kind apart) its four chart fields, cleaned and
    transliterated; per unit its journal fields and formatted amounts (`AMOUNTS_KEPT` at most);
    per kind its label; per hour its day (SQLite).
    Nothing grows with the number of transactions.
    """
    units = books.units()
    transactions = fec_transactions(year, books).filter(
        Exists(Entry.objects.filter(transaction_id=OuterRef("pk"), unit__in=units))
    )
    out.write("\t".join(FEC_COLUMNS) + LINE_END)
    with _reader() as reader, override(settings.LANGUAGE_CODE):  # the books read the same whoever asks
        count_sql, count_params = transactions.values("id").query.sql_with_params()
        with reader.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), min(id), max(id) FROM ({count_sql}) AS year_transactions",  # noqa: S608
                count_params,
            )
            total, first_id, last_id = cursor.fetchone()
        if progress:
            progress(0, total)
        if not total:
            return 0
        transliterate: Callable[[str], str] = latin_9 if encoding == LATIN_9 else str
        with reader.chunked_cursor() as in_order, reader.chunked_cursor() as displaced:
            for part, cursor in ((DISPLACED, displaced), (IN_ORDER, in_order)):
                cursor.execute(*_year_rows_sql(year, books, units, part, (first_id, last_id)))
            written, done = _write_rows(
                _merged(in_order, displaced),
                books,
                units,
                out,
                transliterate,
                progress=progress,
                total=total,
                every=max(chunk_size, 1),
            )
    if progress:
        progress(done, total)
    return written


def _write_rows(
    batches: Iterable[list[tuple[Any, ...]]],
    books: FecBooks,
    units: list[str],
    out: TextIO,
    transliterate: Callable[[str], str],
    *,
    progress: Progress | None,
    total: int,
    every: int,
) -> tuple[int, int]:
    """The lines of the year, in the order of `_year_rows_sql`; returns (lines, transactions)."""
    # Per unit: the journal's first two fields and its code (numbering is per journal code),
    # the amount's format and its zero.
    journals: dict[str, tuple[str, str, Callable[[int], str]]] = {}
    for unit in units:
        code, label = journal_of(unit, books.statutory)
        decimals = get_unit(unit).decimals
        journals[unit] = (transliterate(f"{code}\t{_clean(label)}\t{code}"), code, amount_formatter(decimals))
    zeros = {unit: fec_amount(0, unit) for unit in units}
    amounts_of: dict[str, dict[int, str]] = {unit: {} for unit in units}  # "Debit\tCredit" of an amount
    unit_amounts: dict[int, str] = {}
    # A chart key naming a kind (`…@membership`) sets that kind's accounts apart; every other kind
    # shares one table of chart fields per account.
    kinds_apart = {key.partition("@")[2] for key in settings.BOCAGE_FEC_ACCOUNTS if "@" in key}
    charts: dict[str, dict[int, str]] = {}
    accounts: dict[int, _AccountFields] = {}
    kind_labels = _KindLabels(transliterate)
    days = _Days()
    numbers: dict[str, int] = {}
    written = done = 0
    current_transaction: int | None = None
    current_unit: str | None = None
    kind_charts: dict[int, str] = {}
    head = middle = tail = ""
    memo_seen: str | None = None
    memo_label: str | None = None
    formatted: Callable[[int], str] = str
    zero = ""
    for rows in batches:
        missing = {row[4] for row in rows}.difference(accounts)
        if missing:
            accounts.update(_accounts_fields(missing))
        lines = []
        for transaction_id, raw_day, kind, memo, account_id, unit, amount, _key in rows:
            if transaction_id != current_transaction:
                if done and done % every == 0 and progress:
                    progress(done, total)
                done += 1
                current_transaction, current_unit = transaction_id, None
                day = days[raw_day]
                if memo != memo_seen:  # consecutive transactions often share their memo
                    memo_seen, cleaned = memo, _clean(memo)
                    memo_label = transliterate(cleaned) if cleaned else None
                label = kind_labels[kind] if memo_label is None else memo_label
                middle = f"\t{transaction_id}\t{day}\t{label}\t"
                tail = f"\t\t\t{day}\t\t{LINE_END}"
                kind_charts = charts.setdefault(kind if kind in kinds_apart else "", {})
            if unit != current_unit:
                current_unit = unit
                journal_fields, code, formatted = journals[unit]
                zero, unit_amounts = zeros[unit], amounts_of[unit]
                number = numbers[code] = numbers.get(code, 0) + 1
                head = f"{journal_fields}{number:06d}\t{day}\t"
            chart = kind_charts.get(account_id)
            if chart is None:
                target = _chart(accounts[account_id], kind)
                chart = kind_charts[account_id] = transliterate(
                    f"{target.number}\t{_clean(target.label)}\t{target.aux_number}\t{_clean(target.aux_label)}"
                )
            amounts = unit_amounts.get(amount)
            if amounts is None:
                amounts = f"{formatted(-amount)}\t{zero}" if amount < 0 else f"{zero}\t{formatted(amount)}"
                if len(unit_amounts) < AMOUNTS_KEPT:
                    unit_amounts[amount] = amounts
            lines.append(f"{head}{chart}{middle}{amounts}{tail}")
        out.write("".join(lines))
        written += len(lines)
    return written, done
