"""The books for auditors: the trial balance at any date, an account's statement for a date range
(page, CSV, PDF).

Days are local days (Europe/Paris): "on 31 March" means up to the end of that day there. A balance
at a date is the `balance_after` of the account's last entry up to that moment (invariant 4 makes
it the sum of every entry before it): one probe of the index `entry_account_recent` per account,
never a pass over every entry. The trial balance is read in pieces that stay small as members
grow: the per-unit totals in one aggregate query, a page of accounts, or all of them streamed.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.db import connection
from django.db.models import BigIntegerField, Case, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.csv import FRENCH as FRENCH_CSV
from core.csv import CsvFormat, csv_lines

from .models import Account, Entry
from .units import all_units, get_unit

Progress = Callable[[int, int], None]


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant of a local day (Europe/Paris), as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after a local day: entries strictly before it belong to the day."""
    return start_of_day(day + datetime.timedelta(days=1))


def decimal_comma(minor: int, unit: str) -> str:
    """`1234,50`: no thousands separator, a decimal comma (French spreadsheets and the FEC)."""
    return str(get_unit(unit).to_decimal(minor)).replace(".", ",")


# --- Trial balance ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountBalance:
    account: Account
    balance: int  # minor units, at the date


@dataclass
class UnitTrialBalance:
    unit: str
    lines: list[AccountBalance] = field(default_factory=list)

    @property
    def debit_total(self) -> int:
        """The negative balances, as a positive number (minor units)."""
        return -sum(line.balance for line in self.lines if line.balance < 0)

    @property
    def credit_total(self) -> int:
        return sum(line.balance for line in self.lines if line.balance > 0)

    @property
    def total(self) -> int:
        """The sum of every balance of the unit: 0 in a sound ledger (invariant 1)."""
        return sum(line.balance for line in self.lines)


@dataclass(frozen=True)
class UnitTotals:
    """A unit's line of the trial balance's summary: how many accounts, their debit and credit."""

    unit: str
    accounts: int = 0
    debit_total: int = 0  # the negative balances, as a positive number (minor units)
    credit_total: int = 0

    @property
    def total(self) -> int:
        """The sum of every balance of the unit: 0 in a sound ledger (invariant 1)."""
        return self.credit_total - self.debit_total


def _balance_at(moment: datetime.datetime) -> Subquery:
    """The account's balance just before `moment`: its last entry's, found by the index (account, -id)."""
    last = Entry.objects.filter(account_id=OuterRef("pk"), transaction__created_at__lt=moment).order_by("-id")
    return Subquery(last.values("balance_after")[:1])


def _with_balance_on(day: datetime.date) -> QuerySet[Any]:
    """Accounts with `balance_on`, their balance at the end of `day`, None before their first entry."""
    end = end_of_day(day)
    if end <= timezone.now():
        return Account.objects.annotate(balance_on=_balance_at(end))
    # A day not over yet: nothing is dated after now (`at` only dates into the past), so the
    # balance then is the account's own (invariant 4) — no entry to look up but whether there is one.
    has_entry = Q(balance__lt=0) | Q(balance__gt=0) | Exists(Entry.objects.filter(account_id=OuterRef("pk")))
    return Account.objects.annotate(
        balance_on=Case(When(has_entry, then=F("balance")), default=None, output_field=BigIntegerField())
    )


def trial_balance_accounts(day: datetime.date, unit: str | None = None) -> QuerySet[Any]:
    """Every account (of `unit`, if given) that had an entry by the end of `day`, as `balance_on`;
    in id order, stable for pages. Lazy: slice it or iterate it."""
    accounts = _with_balance_on(day).filter(balance_on__isnull=False)
    if unit:
        accounts = accounts.filter(unit=unit)
    return accounts.select_related("holder").order_by("id")


_TOTALS_SQL = (
    "SELECT unit, COUNT(*), SUM(CASE WHEN balance_on < 0 THEN -balance_on ELSE 0 END), "
    "SUM(CASE WHEN balance_on > 0 THEN balance_on ELSE 0 END) "
    "FROM ({balances}) AS balances WHERE balance_on IS NOT NULL GROUP BY unit"
)


def trial_balance_totals(day: datetime.date) -> list[UnitTotals]:
    """Per unit (every configured unit, in their order), the accounts, debit and credit at the end
    of `day`: one aggregate query."""
    balances = _with_balance_on(day).order_by().values("unit", "balance_on")
    inner, params = balances.query.sql_with_params()
    # Aggregated around the annotated query rather than by the ORM, which would repeat the
    # per-account subquery in every aggregate.
    if connection.vendor == "postgresql":
        # OFFSET 0 keeps PostgreSQL from pulling the per-account subquery up into each aggregate
        # (it would run it five times per account).
        inner += " OFFSET 0"
    sql = _TOTALS_SQL.format(balances=inner)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0]: UnitTotals(row[0], int(row[1]), int(row[2]), int(row[3])) for row in cursor.fetchall()}
    return [found.pop(code, UnitTotals(code)) for code in all_units()] + [found[code] for code in sorted(found)]


def trial_balance_on(day: datetime.date) -> list[UnitTrialBalance]:
    """Per unit, every account that had an entry by the end of `day`, with its balance then: all
    in memory, for small ledgers and tests; the pages read `trial_balance_accounts` in pieces."""
    units = {code: UnitTrialBalance(unit=code) for code in all_units()}
    for account in trial_balance_accounts(day):
        units.setdefault(account.unit, UnitTrialBalance(unit=account.unit)).lines.append(
            AccountBalance(account=account, balance=account.balance_on)
        )
    return list(units.values())


TRIAL_BALANCE_CSV_HEADER = (
    _lazy("Account"),
    _lazy("Unit"),
    _lazy("Kind"),
    _lazy("Label"),
    _lazy("Holder"),
    _lazy("Debit"),
    _lazy("Credit"),
)


def trial_balance_csv_rows(day: datetime.date, *, chunk_size: int = 2000) -> Iterator[list[Any]]:
    """Every account's balance at the end of `day`, read `chunk_size` accounts at a time."""
    columns = ("id", "unit", "kind", "system_code", "name", "holder_id", "holder__display_name", "balance_on")
    kinds = {code: label for code, label in (*Account.Kind.choices, *Account.SystemCode.choices)}
    # Plain rows rather than model instances, and the accounts without an entry yet skipped
    # here rather than filtered in SQL (which would look each balance up twice): the list of
    # every account is bound by the time spent per row.
    rows = _with_balance_on(day).order_by("id").values(*columns)
    for row in rows.iterator(chunk_size=chunk_size):
        balance, unit, code = row["balance_on"], row["unit"], row["system_code"]
        if balance is None:
            continue
        kind = str(kinds.get(code or row["kind"], code or row["kind"]))  # in the file's language
        label = row["name"] or row["holder__display_name"] or kind  # as Account.label
        yield [
            row["id"],
            unit,
            kind,
            label,
            row["holder_id"] or "",
            get_unit(unit).to_decimal(-balance) if balance < 0 else "",
            get_unit(unit).to_decimal(balance) if balance > 0 else "",
        ]


def trial_balance_csv_lines(
    day: datetime.date, *, chunk_size: int = 2000, fmt: CsvFormat = FRENCH_CSV
) -> Iterator[str]:
    """The trial balance as CSV lines (core.csv: French unless `fmt` says otherwise), streamed in
    constant memory."""
    return csv_lines(fmt, TRIAL_BALANCE_CSV_HEADER, trial_balance_csv_rows(day, chunk_size=chunk_size))


# --- Statements ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    account: Account
    date_from: datetime.date
    date_to: datetime.date
    opening: int  # the balance at the start of date_from (minor units)
    closing: int  # the balance at the end of date_to

    @property
    def unit(self) -> str:
        return self.account.unit

    def entries(self) -> QuerySet[Entry]:
        """The entries of the range, oldest first; each `balance_after` is the running balance."""
        return (
            Entry.objects.filter(
                account=self.account,
                transaction__created_at__gte=start_of_day(self.date_from),
                transaction__created_at__lt=end_of_day(self.date_to),
            )
            .select_related("transaction")
            .order_by("id")
        )


def _balance_before(account: Account, moment: datetime.datetime) -> int:
    last = (
        Entry.objects.filter(account=account, transaction__created_at__lt=moment)
        .order_by("-id")
        .values_list("balance_after", flat=True)
        .first()
    )
    return last or 0


def statement_for_range(*, account: Account, date_from: datetime.date, date_to: datetime.date) -> Statement:
    """Opening balance, the range's entries (lazily), closing balance; both days included."""
    return Statement(
        account=account,
        date_from=date_from,
        date_to=date_to,
        opening=_balance_before(account, start_of_day(date_from)),
        closing=_balance_before(account, end_of_day(date_to)),
    )


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


STATEMENT_CSV_HEADER = (
    _lazy("Date"),
    _lazy("Transaction"),
    _lazy("Kind"),
    _lazy("Description"),
    _lazy("Debit"),
    _lazy("Credit"),
    _lazy("Balance"),
    _lazy("Unit"),
)


def statement_csv_rows(statement: Statement, *, progress: Progress | None = None) -> Iterator[list[Any]]:
    """An opening line, one line per entry with the running balance, a closing line."""
    unit = statement.unit
    to_decimal = get_unit(unit).to_decimal
    yield [statement.date_from, "", "", _lazy("Opening balance"), "", "", to_decimal(statement.opening), unit]
    total = statement.entries().count() if progress else 0
    written = 0
    for entry in statement.entries().iterator(chunk_size=2000):
        txn = entry.transaction
        yield [
            txn.created_at,
            txn.pk,
            txn.get_kind_display(),
            txn.memo_display,
            to_decimal(-entry.amount) if entry.amount < 0 else "",
            to_decimal(entry.amount) if entry.amount > 0 else "",
            to_decimal(entry.balance_after),
            unit,
        ]
        written += 1
        if progress and written % 2000 == 0:
            progress(written, total)
    yield [statement.date_to, "", "", _lazy("Closing balance"), "", "", to_decimal(statement.closing), unit]
    if progress:
        progress(written, total)


def statement_csv_write(
    statement: Statement, out: TextIO, *, progress: Progress | None = None, fmt: CsvFormat = FRENCH_CSV
) -> int:
    """Write the statement as CSV (core.csv: French unless `fmt` says otherwise). Returns the
    number of entries written."""
    lines = 0
    for line in csv_lines(fmt, STATEMENT_CSV_HEADER, statement_csv_rows(statement, progress=progress)):
        out.write(line)
        lines += 1
    return lines - 3  # the header, the opening and the closing lines


def statement_csv_text(statement: Statement, *, fmt: CsvFormat = FRENCH_CSV) -> str:
    buffer = io.StringIO()
    statement_csv_write(statement, buffer, fmt=fmt)
    return buffer.getvalue()


# --- PDF ----------------------------------------------------------------------------------------

# The PDF core fonts (WinAnsi) lack the narrow no-break space and the minus sign our formatting uses.
_PDF_REPLACEMENTS = str.maketrans({"\u202f": "\u00a0", "\u2212": "-", "\u2192": "->", "\u2009": " "})


def _pdf_text(text: Any) -> str:
    cleaned = str(text).translate(_PDF_REPLACEMENTS).encode("cp1252", "replace").decode("cp1252")
    return str(escape(cleaned))


def statement_title(statement: Statement) -> str:
    return _("Statement of %(account)s from %(start)s to %(end)s") % {
        "account": statement.account,
        "start": formats.date_format(statement.date_from, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(statement.date_to, "SHORT_DATE_FORMAT"),
    }


def statement_pdf(statement: Statement, *, progress: Progress | None = None, compress: bool = True) -> bytes:
    """The statement on A4: opening balance, the entries with the running balance, closing balance."""
    unit = get_unit(statement.unit)
    base = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=base["Normal"], fontSize=8, leading=10)
    right = ParagraphStyle("right", parent=cell, alignment=TA_RIGHT)
    title = statement_title(statement)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="Bocage",
        pageCompression=1 if compress else 0,
    )

    def text(value: Any, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(_pdf_text(value), style)

    header = [_("Date"), _("Transaction"), _("Description"), _("Debit"), _("Credit"), _("Balance")]
    rows: list[list[Any]] = [[text(label) for label in header]]
    rows.append(["", "", text(_("Opening balance")), "", "", text(unit.format(statement.opening), right)])
    total = statement.entries().count() if progress else 0
    done = 0
    for entry in statement.entries().iterator(chunk_size=2000):
        txn = entry.transaction
        rows.append(
            [
                text(_local(txn.created_at)),
                text(f"#{txn.pk}", right),
                text(txn.memo_display or txn.get_kind_display()),
                text(unit.format(-entry.amount), right) if entry.amount < 0 else "",
                text(unit.format(entry.amount), right) if entry.amount > 0 else "",
                text(unit.format(entry.balance_after), right),
            ]
        )
        done += 1
        if progress and done % 2000 == 0:
            progress(done, total)
    rows.append(["", "", text(_("Closing balance")), "", "", text(unit.format(statement.closing), right)])
    table = Table(rows, colWidths=[26 * mm, 16 * mm, 70 * mm, 22 * mm, 22 * mm, 24 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa59d")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5f1e3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    printed = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    story: list[Any] = [
        Paragraph(_pdf_text(title), base["Title"]),
        Paragraph(_pdf_text(_("Printed on %(date)s.") % {"date": printed}), base["Normal"]),
        Spacer(1, 4 * mm),
        table,
    ]
    document.build(story)
    if progress:
        progress(done, total)
    return buffer.getvalue()
