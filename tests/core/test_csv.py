"""The one CSV writer neutralises people's text and leaves numbers as numbers (core.csv)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.csv import ENGLISH, FRENCH, SafeWriter, csv_format, csv_lines, csv_response, csv_text, neutralised
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


# --- The French file by default, the English one on request (csv_format, csv_lines, csv_response) ---

HEADER = (gettext_lazy("Date"), gettext_lazy("Amount"), gettext_lazy("Description"))
ROWS = [
    [datetime.date(2026, 12, 6), Decimal("-12.50"), "Pain, œufs"],
    [datetime.datetime(2026, 12, 6, 13, 30, 5, 123, tzinfo=datetime.UTC), Decimal("1234.5"), "=1+1"],
]


def test_the_french_file_has_a_bom_semicolons_decimal_commas_french_headers_and_iso_dates():
    with translation.override("en"):  # whatever the reader's language
        text = csv_text(FRENCH, HEADER, ROWS)
    assert text == (
        "\ufeffDate;Montant;Libellé\r\n"
        "2026-12-06;-12,50;Pain, œufs\r\n"
        "2026-12-06 14:30:05;1234,5;'=1+1\r\n"  # local time (Europe/Paris), to the second
    )


def test_the_english_file_has_commas_decimal_points_english_headers_and_no_bom():
    with translation.override("fr"):
        text = csv_text(ENGLISH, HEADER, ROWS)
    assert text == (
        'Date,Amount,Description\r\n2026-12-06,-12.50,"Pain, œufs"\r\n2026-12-06 14:30:05,1234.5,\'=1+1\r\n'
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", FRENCH), ("?lang=fr", FRENCH), ("?lang=en", ENGLISH), ("?lang=EN", ENGLISH), ("?lang=de", FRENCH)],
)
def test_the_request_asks_for_the_english_file_with_lang_en(rf, query, expected):
    assert csv_format(rf.get("/x.csv" + query)) is expected


def test_each_row_is_written_in_the_files_language_and_the_language_is_let_go_between_lines():
    def rows():
        yield [translation.get_language(), gettext_lazy("yes")]
        yield [translation.get_language(), gettext_lazy("no")]

    with translation.override("en"):
        lines = csv_lines(FRENCH, HEADER[:2], rows())
        first = next(lines)
        assert translation.get_language() == "en"
        assert [first, *lines] == ["\ufeffDate;Montant\r\n", "fr;oui\r\n", "fr;non\r\n"]
        assert translation.get_language() == "en"


def test_the_response_is_streamed_or_not_and_names_the_english_file(rf):
    french = csv_response(rf.get("/x.csv"), filename="statement-1-ACH.csv", header=HEADER, rows=ROWS, streaming=True)
    assert french["Content-Type"] == "text/csv; charset=utf-8"
    assert french["Content-Disposition"] == 'attachment; filename="statement-1-ACH.csv"'
    assert b"".join(french.streaming_content).decode("utf-8").startswith("\ufeffDate;Montant;Libellé\r\n")
    english = csv_response(rf.get("/x.csv?lang=en"), filename="statement-1-ACH.csv", header=HEADER, rows=ROWS)
    assert english["Content-Disposition"] == 'attachment; filename="statement-1-ACH-en.csv"'
    assert english.content.decode("utf-8").split("\r\n")[:2] == [
        "Date,Amount,Description",
        '2026-12-06,-12.50,"Pain, œufs"',
    ]


@pytest.mark.parametrize("typed", HOSTILE.values())
def test_both_files_neutralise_what_people_typed(typed):
    for fmt in (FRENCH, ENGLISH):
        rows = list(csv.reader(io.StringIO(csv_text(fmt, ["x"], [[typed]]).removeprefix("\ufeff"), newline=""),
                               delimiter=fmt.delimiter))  # fmt: skip
        assert rows[1] == ["'" + typed]
