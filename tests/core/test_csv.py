"""The one CSV writer neutralises people's text and leaves numbers as numbers (core.csv)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from core.csv import SafeWriter, neutralised
from tests.core.csv_checks import HOSTILE


@pytest.mark.parametrize("typed", HOSTILE.values())
def test_a_text_cell_that_a_spreadsheet_would_run_is_written_behind_a_single_quote(typed):
    assert neutralised(typed) == "'" + typed


@pytest.mark.parametrize("typed", ["Pain au levain", "12 baguettes", "", "'déjà cité", "a=b", "Hélène"])
def test_other_text_is_written_as_typed(typed):
    assert neutralised(typed) == typed


def test_numbers_stay_numbers_negative_ones_included_and_text_does_not():
    out = io.StringIO()
    writer = SafeWriter(out, delimiter=";", decimal_comma=True, lineterminator="\n")
    writer.writerow([Decimal("-40.00"), Decimal("1234.50"), -3, 7, "-40,00", None, "=1+1"])
    assert out.getvalue() == "-40,00;1234,50;-3;7;'-40,00;;'=1+1\n"


def test_without_a_file_each_row_is_returned_for_a_stream():
    writer = SafeWriter()
    line = writer.writerow(['=HYPERLINK("http://x","y")', Decimal("-12.50")])
    assert list(csv.reader(io.StringIO(line))) == [['\'=HYPERLINK("http://x","y")', "-12.50"]]
