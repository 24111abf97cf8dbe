"""TRUNCATE of an append-only table is refused on PostgreSQL; only the test suite's flush gets through.

See ledger/migrations/0010_refuse_truncate.py. Transactional tests: the refusal is a trigger, and
the flush that ends them is the path being proved.
"""

from __future__ import annotations

import importlib

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from djmoney.money import Money

from cooperative.models import ShareMovement
from core.models import AuditEvent
from ledger.models import Entry, Hold, Seal, Transaction
from ledger.services import account_status_set, hold_create, transfer_create
from tests.conftest import account_of, requires_postgresql
from tests.cooperative.helpers import found_scic, shareholder_with_shares

pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]

TABLES = importlib.import_module("ledger.migrations.0010_refuse_truncate").TABLES
MODELS = [Transaction, Entry, Hold, Seal, AuditEvent, ShareMovement]


def counts() -> dict[str, int]:
    return {model._meta.db_table: model.objects.count() for model in MODELS}


@pytest.fixture
def books(make_member, staff_user) -> dict[str, int]:
    """Rows in the append-only tables: a payment, a hold, an audit event, share movements.

    No seal: sealing waits for the transaction ids below its cut to settle, which the ids that
    earlier transactional tests left behind make slow. Its trigger is the same function.
    """
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    transfer_create(from_account=payer, to_account=payee, amount=Money("2", "HRS"), actor=None)
    hold_create(from_account=payer, to_account=payee, amount=Money("1", "HRS"), actor=None)
    account_status_set(account=payee, status=payee.Status.FROZEN, actor=staff_user)
    shareholder_with_shares(found_scic(), alice)
    before = counts()
    assert sorted(before) == sorted(TABLES)
    assert all(count for table, count in before.items() if table != "ledger_seal"), before
    return before


def refused(statements: list[str]) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    except DatabaseError as error:
        return "TRUNCATE on" in str(error) and "is refused" in str(error)
    return False


def test_a_truncate_of_the_append_only_tables_is_refused_and_every_row_stays(books):
    # CASCADE: without it PostgreSQL already refuses most of them for their foreign keys.
    assert [table for table in TABLES if not refused([f"TRUNCATE {table} CASCADE"])] == []
    # From a table they reference, the cascade reaches them: refused too.
    assert refused(["TRUNCATE ledger_account CASCADE"])
    # The flush's own statement, run without the test suite's SET LOCAL.
    flush = connection.ops.sql_flush(no_style(), connection.introspection.django_table_names())
    assert flush[0] == "SET LOCAL bocage.allow_truncate = 'on'"
    assert refused(flush[1:])
    # SET LOCAL lasts one transaction, the flush's: the next one is refused again.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL bocage.allow_truncate = 'on'")
    assert refused(["TRUNCATE ledger_entry CASCADE"])
    assert counts() == books


def test_the_test_suites_flush_still_empties_the_append_only_tables(books):
    call_command("flush", interactive=False, verbosity=0)

    assert counts() == dict.fromkeys(TABLES, 0)
