"""The FEC finds its year's transactions through a BRIN index on their dates (migration 0019),
on PostgreSQL; SQLite has no such index and scans."""

from __future__ import annotations

import pytest
from django.db import connection

from ledger.fec import FecBooks, fec_transactions
from tests.conftest import requires_postgresql

pytestmark = pytest.mark.django_db


@requires_postgresql()
def test_on_postgresql_the_transactions_dates_have_a_brin_index_the_fec_year_can_use():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ledger_transaction_created_at_brin'")
        (definition,) = cursor.fetchone()
        assert definition.endswith("ON public.ledger_transaction USING brin (created_at) WITH (autosummarize='on')")
        # An empty table is scanned whatever its indexes: what is proved is that the year's range can use it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = fec_transactions(2025, FecBooks()).explain()
    assert "Bitmap Index Scan on ledger_transaction_created_at_brin" in plan


def test_on_sqlite_the_transactions_dates_have_no_index_of_their_own():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's schema")
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "ledger_transaction")
    assert [name for name, found in constraints.items() if found["index"] and found["columns"] == ["created_at"]] == []
