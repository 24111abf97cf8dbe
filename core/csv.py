"""The one CSV writer: every CSV the project writes goes through it.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a formula (and some also
after a tab or a carriage return): a memo `=HYPERLINK("http://x","y")` typed by a payer would
become a link, or worse, in the payee's statement. Following OWASP's rule, a text cell that
begins so is written with a leading single quote, which spreadsheets show as text.

Cells are neutralised by type, so amounts stay numbers a spreadsheet can add, negative ones
included: `int` and `Decimal` cells are numbers and written as such (`decimal_comma=True` for the
French files, `-40,00`); every `str` is text, whoever wrote it. A caller with an amount in a
string converts it to `Decimal` first. Dates are written ISO (`2026-12-06`, and
`2026-12-06 14:30:00` in local time for a moment), which spreadsheets read in every language.

Every export is written the French way unless the reader asks otherwise (`csv_format`): `;`
between columns (Excel in French splits on it; a `,` file opens as one column), decimal commas,
French headers, UTF-8 with a BOM (Excel needs it to show the accents). `?lang=en` gives the
English file: `,`, decimal points, English headers, no BOM. `csv_response` builds the response
(streamed or not) from a header of translatable strings and the rows, each written under the
file's language.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import override

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (OWASP: prefix a single quote)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file that hands back what is written: rows of a streamed response, one string each."""

    def write(self, value: str) -> str:
        return value


class SafeWriter:
    """`csv.writer` with every text cell neutralised and numbers written as numbers."""

    def __init__(self, out: Any = None, *, decimal_comma: bool = False, **fmtparams: Any) -> None:
        # Without `out`, writerow() returns the line, for a StreamingHttpResponse.
        self._writer = csv.writer(_Echo() if out is None else out, **fmtparams)
        self.decimal_comma = decimal_comma

    def cell(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            moment = timezone.localtime(value) if timezone.is_aware(value) else value
            return moment.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            text = f"{value:f}" if isinstance(value, Decimal) else str(value)
            return text.replace(".", ",") if self.decimal_comma else text
        return neutralised(str(value))

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([self.cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


@dataclass(frozen=True)
class CsvFormat:
    """How a CSV file is written: its language (headers and words), separator, decimal mark, BOM."""

    language: str
    delimiter: str
    decimal_comma: bool
    bom: bool

    def writer(self, out: Any = None) -> SafeWriter:
        return SafeWriter(out, decimal_comma=self.decimal_comma, delimiter=self.delimiter, lineterminator="\r\n")


FRENCH = CsvFormat(language="fr", delimiter=";", decimal_comma=True, bom=True)
ENGLISH = CsvFormat(language="en", delimiter=",", decimal_comma=False, bom=False)
CSV_FORMATS = {"fr": FRENCH, "en": ENGLISH}
CONTENT_TYPE = "text/csv; charset=utf-8"


def csv_format(request: HttpRequest | None = None, language: str | None = None) -> CsvFormat:
    """The French file unless `?lang=en` (or `language="en"`) asks for the English one."""
    code = language or (request.GET.get("lang", "") if request is not None else "")
    return CSV_FORMATS.get(code.strip().lower()[:2], FRENCH)


def csv_lines(fmt: CsvFormat, header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The file's lines: the header behind the BOM (French), then each row, written as it comes.

    Each row is read and written under the file's language (its labels, "yes"/"no", statuses),
    and nothing stays activated between two lines: a stream may be dropped half way."""
    writer = fmt.writer()
    with override(fmt.language):
        first = writer.writerow(header)
    yield ("\ufeff" if fmt.bom else "") + first
    iterator = iter(rows)
    while True:
        with override(fmt.language):
            try:
                row = next(iterator)
            except StopIteration:
                return
            line = writer.writerow(row)
        yield line


def csv_text(fmt: CsvFormat, header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> str:
    return "".join(csv_lines(fmt, header, rows))


def csv_response(
    request: HttpRequest | None,
    *,
    filename: str,
    header: Sequence[Any],
    rows: Iterable[Iterable[Any]],
    streaming: bool = False,
    fmt: CsvFormat | None = None,
    disposition: str = "attachment",
) -> HttpResponse | StreamingHttpResponse:
    """The export as a download, French unless the request asks `?lang=en` (see `csv_format`).

    `streaming=True` for the long ones (a statement, the log): constant memory, rows read lazily.
    The English file's name ends in `-en.csv`, so both can sit side by side in a folder."""
    fmt = fmt or csv_format(request)
    if fmt.language != "fr" and filename.endswith(".csv"):
        filename = f"{filename.removesuffix('.csv')}-{fmt.language}.csv"
    lines = csv_lines(fmt, header, rows)
    response: HttpResponse | StreamingHttpResponse
    if streaming:
        response = StreamingHttpResponse(lines, content_type=CONTENT_TYPE)
    else:
        response = HttpResponse("".join(lines), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Content-Language"] = fmt.language
    return response
