"""`python manage.py export_fec --year 2026 --output FILE`: the FEC of a fiscal year, streamed to FILE.

Progress goes to stderr; FILE `-` writes the file to stdout. Nothing is held in memory but one
chunk of transactions, so a year of millions of entries exports in bounded memory.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ledger.fec import fec_filename, fec_write


class Command(BaseCommand):
    help = "Write the FEC (Fichier des Écritures Comptables) of a fiscal year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="The fiscal year (1 January to 31 December).")
        parser.add_argument("--output", help="The file to write ('-': stdout); default: the statutory file name.")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError("--year must be between 2000 and 2100")
        output: str = options["output"] or fec_filename(year)
        verbosity = int(options["verbosity"])

        def progress(done: int, total: int) -> None:
            if verbosity:
                self.stderr.write(f"\r{done}/{total} transactions", ending="")
                self.stderr.flush()

        if output == "-":
            lines = fec_write(year=year, out=sys.stdout, progress=progress)
        else:
            try:
                with open(output, "w", encoding="utf-8", newline="") as out:
                    lines = fec_write(year=year, out=out, progress=progress)
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc}") from exc
        if verbosity:
            self.stderr.write("")
            self.stderr.write(f"FEC {year}: {lines} lines written to {output}")
