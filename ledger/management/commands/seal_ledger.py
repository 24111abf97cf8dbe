"""`python manage.py seal_ledger`: seal the transactions committed since the last seal (what the beat task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ledger.sealing import configured_lag_seconds, seal_pending


class Command(BaseCommand):
    help = "Seal the unsealed transactions older than the lag, then print the latest seal's hash."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lag", type=int, default=None, help="Seconds a transaction must be old to be sealed (default: setting)."
        )

    def handle(self, *args: Any, lag: int | None = None, **options: Any) -> None:
        lag = configured_lag_seconds() if lag is None else lag
        count = 0
        while (seal := seal_pending(lag_seconds=lag)) is not None:
            count += 1
            self.stdout.write(
                f"seal {seal.sequence}: transactions {seal.first_transaction_id}–{seal.last_transaction_id} "
                f"({seal.transaction_count}), hash {seal.hash}"
            )
        if count == 0:
            self.stdout.write("Nothing to seal.")
