"""`python manage.py export_fec --year 2026 --output FILE`: the FEC of a fiscal year, streamed to FILE.

`--entity SIREN` for a cooperative's FEC (default: the association's), `--non-statutory` for the
association's hours and SEL units (same format, not an FEC), `--encoding utf-8` (default ISO-8859-15).

Progress goes to stderr; FILE `-` writes the file to stdout. Nothing is held in memory but one
chunk of transactions, so a year of millions of entries exports in bounded memory.
"""

from __future__ import annotations

import io
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import InvalidInput
from ledger.exports import BOOKS_NON_STATUTORY, BOOKS_STATUTORY, export_parameters_clean, fec_books_of
from ledger.fec import ENCODINGS, LATIN_9, fec_filename, fec_write
from ledger.models import ExportJob


class Command(BaseCommand):
    help = "Write the FEC (Fichier des Écritures Comptables) of a fiscal year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="The fiscal year (1 January to 31 December).")
        parser.add_argument("--output", help="The file to write ('-': stdout); default: the statutory file name.")
        parser.add_argument("--entity", default="association", help="'association' (default) or a cooperative's SIREN.")
        parser.add_argument(
            "--non-statutory", action="store_true", help="The association's hours and SEL units (not an FEC)."
        )
        parser.add_argument("--encoding", default=LATIN_9, choices=ENCODINGS, help="Default: iso-8859-15.")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError("--year must be between 2000 and 2100")
        try:
            parameters = export_parameters_clean(
                ExportJob.Kind.FEC,
                {
                    "year": year,
                    "entity": options["entity"],
                    "books": BOOKS_NON_STATUTORY if options["non_statutory"] else BOOKS_STATUTORY,
                    "encoding": options["encoding"],
                },
            )
        except InvalidInput as exc:
            raise CommandError(
                " ".join(str(error) for errors in (exc.fields or {}).values() for error in errors)
            ) from exc
        books, encoding = fec_books_of(parameters), parameters["encoding"]
        output: str = options["output"] or fec_filename(year, books)
        verbosity = int(options["verbosity"])

        def progress(done: int, total: int) -> None:
            if verbosity:
                self.stderr.write(f"\r{done}/{total} transactions", ending="")
                self.stderr.flush()

        if output == "-":
            if isinstance(sys.stdout, io.TextIOWrapper):
                sys.stdout.reconfigure(encoding=encoding)
            lines = fec_write(year=year, out=sys.stdout, books=books, encoding=encoding, progress=progress)
        else:
            try:
                with open(output, "w", encoding=encoding, newline="") as out:
                    lines = fec_write(year=year, out=out, books=books, encoding=encoding, progress=progress)
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc}") from exc
        if verbosity:
            self.stderr.write("")
            self.stderr.write(f"FEC {year}: {lines} lines written to {output}")
