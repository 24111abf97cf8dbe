"""The one CSV writer: every CSV the project writes goes through it.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a formula (and some also
after a tab or a carriage return): a memo `=HYPERLINK("http://x","y")` typed by a payer would
become a link, or worse, in the payee's statement. Following OWASP's rule, a text cell that
begins so is written with a leading single quote, which spreadsheets show as text.

Cells are neutralised by type, so amounts stay numbers a spreadsheet can add, negative ones
included: `int` and `Decimal` cells are numbers and written as such (`decimal_comma=True` for the
French files, `-40,00`); every `str` is text, whoever wrote it. A caller with an amount in a
string converts it to `Decimal` first.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

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
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            text = f"{value:f}" if isinstance(value, Decimal) else str(value)
            return text.replace(".", ",") if self.decimal_comma else text
        return neutralised(str(value))

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([self.cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
