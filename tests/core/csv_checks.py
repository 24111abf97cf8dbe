"""Reading back a CSV the project wrote, as a spreadsheet would, for the CSV-injection tests."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

# What people may type, each a formula to a spreadsheet if written as is (OWASP's list).
HOSTILE = {
    "hyperlink": '=HYPERLINK("http://x","y")',
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "plus": "+33 6 12 34 56 78",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}


def rows_of(response: Any, delimiter: str | None = None) -> list[list[str]]:
    """The file's rows; without a `delimiter`, the French file's `;` behind its BOM, else `,`."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8")
    french = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or (";" if french else ",")))


def column(rows: list[list[str]], name: str) -> list[str]:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


def is_neutralised(cell: str, typed: str) -> bool:
    """The cell shows what was typed, behind the single quote that makes it text."""
    return cell == "'" + typed


def number(cell: str, *, decimal_comma: bool = False) -> Decimal:
    """The cell as a spreadsheet adds it; raises if it is not a plain number."""
    text = cell.replace(",", ".") if decimal_comma else cell
    digits = text.removeprefix("-").replace(".", "", 1)
    assert digits.isascii() and digits.isdigit(), cell
    return Decimal(text)
