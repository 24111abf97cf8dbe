"""`python manage.py verify_ledger`: recompute every seal and invariant; non-zero exit on the first discrepancy."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ledger.verification import verify_ledger

SHOWN = 10


class Command(BaseCommand):
    help = (
        "Recompute every seal's hash, invariants 1–7 and every account's balance and held amount from the "
        "ledger's rows. Prints a summary; exits non-zero naming the first discrepancy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="No progress and no summary; errors only.")
        parser.add_argument(
            "--progress-every", type=int, default=50_000, help="Report progress every N transactions (stderr)."
        )

    def handle(self, *args: Any, quiet: bool = False, progress_every: int = 50_000, **options: Any) -> None:
        def progress(done: int) -> None:
            self.stderr.write(f"verify_ledger: {done:,} transactions checked…")
            self.stderr.flush()

        report = verify_ledger(progress=None if quiet else progress, progress_every=max(progress_every, 1))
        if not quiet:
            for line in report.summary_lines():
                self.stdout.write(line)
        if report.ok:
            return
        first = report.discrepancies[0]
        others = report.discrepancies[1:]
        if others:
            self.stderr.write(f"{len(report.discrepancies)} discrepancies; the first {min(len(others) + 1, SHOWN)}:")
            for discrepancy in report.discrepancies[:SHOWN]:
                self.stderr.write(f"  - {discrepancy}")
        sys.stderr.flush()
        raise CommandError(f"ledger verification failed: {first}")
