"""`verify_ledger` on clean ledgers: a summary and exit 0; what it reports, streaming and quietly."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from djmoney.money import Money

from ledger import services
from ledger.models import Account, Entry, Seal, Transaction
from ledger.sealing import seal_pending
from ledger.verification import verify_ledger
from tests.conftest import requires_postgresql
from tests.ledger.sealing_helpers import later, small_ledger


def run_verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_ledger", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_clean_sealed_ledger_verifies_and_prints_its_summary(make_member):
    ledger = small_ledger(make_member)
    services.transaction_reverse(transaction_to_reverse=ledger.transactions[1], actor=None)
    seal = seal_pending(now=later())

    out, err = run_verify()

    lines = out.splitlines()
    assert lines[0] == "Transactions: 4 (4 sealed, 0 recent not yet sealed)"
    assert lines[1] == "Entries: 10"
    assert lines[2] == f"Accounts: {Account.objects.count()} (pending holds: 1)"
    assert lines[3] == (
        f"Seals: 1; latest: seal 1, up to transaction {seal.last_transaction_id}, "
        f"sealed {seal.sealed_at.isoformat()}, hash {seal.hash}"
    )
    assert lines[4].startswith("Time: ")
    assert lines[5] == "OK: the ledger verifies."
    assert err == ""


def test_recent_unsealed_transactions_are_counted_not_reported_as_errors(make_member):
    ledger = small_ledger(make_member)
    seal_pending(now=later())
    services.transfer_create(from_account=ledger.bruno, to_account=ledger.alice, amount=Money("1", "HRS"), actor=None)

    report = verify_ledger()

    assert report.ok
    assert (report.transactions, report.sealed_transactions, report.unsealed_recent, report.seals) == (4, 3, 1, 1)


def test_a_ledger_never_sealed_verifies_with_every_transaction_unsealed(make_member):
    small_ledger(make_member)

    report = verify_ledger()

    assert report.ok
    assert (report.transactions, report.entries, report.seals, report.unsealed_recent) == (3, 8, 0, 3)


def test_progress_goes_to_stderr_and_quiet_silences_everything(make_member):
    small_ledger(make_member)
    seal_pending(now=later())

    _out, err = run_verify("--progress-every", "2")
    quiet_out, quiet_err = run_verify("--quiet", "--progress-every", "1")

    assert err == "verify_ledger: 2 transactions checked…\n"
    assert (quiet_out, quiet_err) == ("", "")


def test_an_empty_ledger_verifies(db):
    report = verify_ledger()

    assert report.ok
    assert (report.transactions, report.entries, report.seals) == (0, 0, 0)


def test_the_command_exits_with_status_one_naming_the_discrepancy(make_member, capsys):
    ledger = small_ledger(make_member)
    seal_pending(now=later())
    # SQLite lets a DELETE through (its test flush needs it); PostgreSQL's triggers would refuse it here.
    if connection.vendor == "postgresql":
        pytest.skip("covered by tests/ledger/test_tamper.py on PostgreSQL")
    last = Entry.objects.filter(transaction=ledger.transactions[0]).order_by("id").last()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_entry WHERE id = %s", [last.pk])

    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "verify_ledger", "--quiet"]).execute()

    assert exit_info.value.code == 1
    first = ledger.transactions[0].pk
    assert (
        f"CommandError: ledger verification failed: seal 1: hash differs: transaction {first} or its entries "
        f"changed (the seal covers transactions {first}–{ledger.transactions[-1].pk}; 3 transactions and 7 "
        "entries where 3 and 8 were sealed)"
    ) in capsys.readouterr().err


def test_an_entry_deleted_on_sqlite_is_caught_too(make_member):
    ledger = small_ledger(make_member)
    seal_pending(now=later())
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses the DELETE: see tests/ledger/test_tamper.py")
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM ledger_entry WHERE id = (SELECT MAX(id) FROM ledger_entry WHERE transaction_id = %s)",
            [ledger.transactions[1].pk],
        )

    with pytest.raises(CommandError) as failure:
        run_verify("--quiet")

    assert str(failure.value).startswith(
        f"ledger verification failed: seal 1: hash differs: transaction {ledger.transactions[1].pk} or its entries"
    )


# --- volume: PostgreSQL only, loaded in bulk SQL -------------------------------------------------

VOLUME = 100_000


def load_bulk_ledger(world: Account, fees: Account, count: int) -> None:
    """`count` transactions world → fees of 1–7 h each, with the balances they imply, in one statement.

    The rows are consistent (zero-sum, chained balance_after, account totals); triggers are off for
    the load only because checking 200,000 rows one by one would take minutes.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            WITH t AS (
                INSERT INTO ledger_transaction (kind, memo, created_at, idempotency_key, request_hash)
                SELECT 'posting', 'bulk ' || g, now() - interval '2 hours' + g * interval '1 millisecond', NULL, ''
                FROM generate_series(1, %(count)s) AS g ORDER BY g
                RETURNING id
            ), numbered AS (
                SELECT id, (row_number() OVER (ORDER BY id) %% 7 + 1) * 100 AS amount FROM t
            ), running AS (
                SELECT id, amount, SUM(amount) OVER (ORDER BY id) AS total FROM numbered
            )
            INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)
            SELECT id, account_id, 'HRS', amount, balance_after FROM (
                SELECT id, 1 AS side, %(world)s AS account_id, -amount AS amount, -total AS balance_after FROM running
                UNION ALL
                SELECT id, 2, %(fees)s, amount, total FROM running
            ) AS legs ORDER BY id, side
            """,
            {"count": count, "world": world.pk, "fees": fees.pk},
        )
        cursor.execute(
            "UPDATE ledger_account SET balance = (SELECT COALESCE(SUM(amount), 0) FROM ledger_entry"
            " WHERE account_id = ledger_account.id) WHERE id IN (%s, %s)",
            [world.pk, fees.pk],
        )


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_clean_ledger_of_a_hundred_thousand_transactions_verifies(capsys):
    world = services.system_account(Account.SystemCode.WORLD, "HRS", reference="bulk")
    fees = services.system_account(Account.SystemCode.FEES, "HRS", reference="bulk")
    load_bulk_ledger(world, fees, VOLUME)
    started = time.monotonic()
    while seal_pending(now=later()) is not None:
        pass
    sealing_seconds = time.monotonic() - started

    report = verify_ledger()

    assert report.discrepancies == []
    assert (report.transactions, report.entries, report.sealed_transactions) == (VOLUME, 2 * VOLUME, VOLUME)
    assert list(Seal.objects.values_list("transaction_count", flat=True)) == [50_000, 50_000]
    world.refresh_from_db()
    assert world.balance == -Entry.objects.filter(account=fees).order_by("-id").first().balance_after
    assert Transaction.objects.count() == VOLUME
    with capsys.disabled():
        print(
            f"\n[volume] sealed {VOLUME} transactions in {sealing_seconds:.1f} s; verified in "
            f"{report.seconds:.1f} s ({report.rate:,.0f} transactions/s)"
        )
