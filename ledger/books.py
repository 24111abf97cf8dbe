"""The books for auditors: the trial balance at any date, an account's statement for a date range
(page, CSV, PDF).

Days are local days (Europe/Paris): "on 31 March" means up to the end of that day there. A balance
at a date is the `balance_after` of the account's last entry up to that moment (invariant 4 makes
it the sum of every entry before it), found for every account in one query.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.db.models import Max, QuerySet
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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


def balances_on(day: datetime.date) -> QuerySet[Entry]:
    """Each account's last entry up to the end of `day`: one query (a grouped subquery)."""
    last_ids = (
        Entry.objects.filter(transaction__created_at__lt=end_of_day(day))
        .order_by()
        .values("account_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    return Entry.objects.filter(pk__in=last_ids).select_related("account__holder").order_by("account_id")


def trial_balance_on(day: datetime.date) -> list[UnitTrialBalance]:
    """Per unit, every account that had an entry by the end of `day`, with its balance then."""
    units = {code: UnitTrialBalance(unit=code) for code in all_units()}
    for entry in balances_on(day):
        units.setdefault(entry.unit, UnitTrialBalance(unit=entry.unit)).lines.append(
            AccountBalance(account=entry.account, balance=entry.balance_after)
        )
    return list(units.values())


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


def _day(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def statement_csv_header() -> list[str]:
    return [_("Date"), _("Transaction"), _("Kind"), _("Description"), _("Debit"), _("Credit"), _("Balance"), _("Unit")]


def statement_csv_write(statement: Statement, out: TextIO, *, progress: Progress | None = None) -> int:
    """Write the statement as CSV for French spreadsheets (`;`, UTF-8 BOM, decimal comma).

    An opening line, one line per entry with the running balance, a closing line. Returns the
    number of entries written.
    """
    unit = statement.unit
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(statement_csv_header())
    writer.writerow(
        [_day(statement.date_from), "", "", _("Opening balance"), "", "", decimal_comma(statement.opening, unit), unit]
    )
    total = statement.entries().count() if progress else 0
    written = 0
    for entry in statement.entries().iterator(chunk_size=2000):
        txn = entry.transaction
        writer.writerow(
            [
                _local(txn.created_at),
                txn.pk,
                txn.get_kind_display(),
                txn.memo,
                decimal_comma(-entry.amount, unit) if entry.amount < 0 else "",
                decimal_comma(entry.amount, unit) if entry.amount > 0 else "",
                decimal_comma(entry.balance_after, unit),
                unit,
            ]
        )
        written += 1
        if progress and written % 2000 == 0:
            progress(written, total)
    writer.writerow(
        [_day(statement.date_to), "", "", _("Closing balance"), "", "", decimal_comma(statement.closing, unit), unit]
    )
    if progress:
        progress(written, total)
    return written


def statement_csv_text(statement: Statement) -> str:
    buffer = io.StringIO()
    statement_csv_write(statement, buffer)
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
                text(txn.memo or txn.get_kind_display()),
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
