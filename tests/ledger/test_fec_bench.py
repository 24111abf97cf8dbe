"""The FEC bench (bench/fec.py) loads a consistent year and times its export. On PostgreSQL only,
where it is run (its load is outermost, durable: the test needs committed transactions and a flush)."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from bench.fec import fec_timings
from ledger.models import Account, Entry
from tests.conftest import requires_postgresql

pytestmark = [requires_postgresql(), pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_the_bench_loads_balanced_payments_and_exports_them_all():
    first = fec_timings(transactions=30, accounts=4, year=2024)
    second = fec_timings(transactions=45, accounts=4, year=2024)  # tops the year up

    assert (first["load"]["count"], first["transactions"], first["lines"]) == (30, 30, 60)
    assert (second["load"]["count"], second["transactions"], second["lines"]) == (15, 45, 90)
    assert second["progress_reports"] == 2  # the start and the end (every 10,000 in between)
    assert Entry.objects.aggregate(total=Sum("amount"))["total"] == 0
    for account in Account.objects.filter(holder__isnull=False, unit="ACH", entries__isnull=False).distinct():
        entries = account.entries.order_by("id")
        assert account.balance == sum(entry.amount for entry in entries) == entries.last().balance_after
