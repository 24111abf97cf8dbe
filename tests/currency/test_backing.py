"""Invariant 7 (docs/ARCHITECTURE.md): the guarantee fund (EUR) equals the ACH in circulation, at every commit.

`check_backing` reports it everywhere; on PostgreSQL a deferred constraint trigger refuses, at
COMMIT, any transaction that would break it (raw SQL here, as a buggy service or psql would).
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from djmoney.money import Money

from currency.selectors.backing import check_backing
from ledger.models import Account, Entry, Transaction
from ledger.services import system_account, transaction_post, transfer_create
from tests.conftest import account_of, requires_postgresql

from ._exchange import assert_backed, balance, convert, make_comptoir, system_balances


def ledger_rows() -> tuple:
    return (
        tuple(Transaction.objects.order_by("id").values_list("id", "kind")),
        tuple(Entry.objects.order_by("id").values_list("id", "account_id", "amount", "balance_after")),
        tuple(Account.objects.order_by("id").values_list("id", "balance", "held")),
    )


@pytest.mark.django_db
def test_check_backing_reports_circulation_and_fund_per_backed_unit(make_member, django_user_model):
    comptoir, cashier = make_comptoir(django_user_model)
    camille = make_member(username="camille")
    [line] = check_backing()
    assert (line.unit, line.circulation, line.guarantee_fund, line.ok) == ("ACH", 0, 0, True)
    convert(comptoir, cashier, camille, "42.10")
    [line] = check_backing()
    assert (line.unit, line.circulation, line.guarantee_fund, line.ok) == ("ACH", 4210, 4210, True)


@pytest.mark.django_db
def test_check_backing_flags_ach_issued_without_euros(make_member, django_user_model, settings):
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the trigger refuses this at commit (see below)")
    camille = make_member(username="camille")
    issuance = system_account(Account.SystemCode.ISSUANCE, "ACH")
    transaction_post(legs=[(issuance, -Money("5", "ACH")), (account_of(camille, "ACH"), Money("5", "ACH"))], actor=None)
    [line] = check_backing()
    assert (line.circulation, line.guarantee_fund, line.ok) == (500, 0, False)


# --- PostgreSQL: the deferred trigger ----------------------------------------------------------


def insert_posting(cursor, legs: list[tuple[Account, int]]) -> int:
    """A posting in raw SQL that is balanced per unit and keeps every balance_after chain right."""
    cursor.execute(
        "INSERT INTO ledger_transaction (kind, memo, created_at, idempotency_key, request_hash, reverses_id)"
        " VALUES ('posting', 'raw SQL', CURRENT_TIMESTAMP, NULL, '', NULL) RETURNING id"
    )
    txn_id = cursor.fetchone()[0]
    for account, amount in legs:
        cursor.execute(
            "SELECT COALESCE((SELECT balance_after FROM ledger_entry WHERE account_id = %s"
            " ORDER BY id DESC LIMIT 1), 0)",
            [account.pk],
        )
        previous = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)"
            " VALUES (%s, %s, %s, %s, %s)",
            [txn_id, account.pk, account.unit, amount, previous + amount],
        )
        cursor.execute("UPDATE ledger_account SET balance = balance + %s WHERE id = %s", [amount, account.pk])
    return txn_id


@pytest.fixture
def funded(make_member, django_user_model):
    """Camille converted 100 € at the comptoir: 100 € in the fund, 100 ACH in circulation."""
    comptoir, cashier = make_comptoir(django_user_model)
    camille = make_member(username="camille")
    convert(comptoir, cashier, camille, "100")
    assert system_balances() == {"world_eur": -10000, "guarantee_fund": 10000, "issuance_ach": -10000, "fees_eur": 0}
    return camille


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_full_conversion_written_in_raw_sql_is_accepted(funded):
    member = account_of(funded, "ACH")
    with transaction.atomic(), connection.cursor() as cursor:
        insert_posting(
            cursor,
            [
                (system_account(Account.SystemCode.WORLD, "EUR"), -700),
                (system_account(Account.SystemCode.GUARANTEE_FUND, "EUR"), 700),
                (system_account(Account.SystemCode.ISSUANCE, "ACH"), -700),
                (member, 700),
            ],
        )
    assert balance(member) == 10700
    assert_backed()


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_ach_issued_without_euros_is_refused_at_commit(funded):
    before = ledger_rows()
    with (
        pytest.raises(IntegrityError, match="backing broken"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        insert_posting(
            cursor, [(system_account(Account.SystemCode.ISSUANCE, "ACH"), -500), (account_of(funded, "ACH"), 500)]
        )
    assert ledger_rows() == before
    assert_backed()


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_euros_taken_out_of_the_fund_without_retiring_ach_are_refused_at_commit(funded):
    before = ledger_rows()
    with (
        pytest.raises(IntegrityError, match="backing broken"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        insert_posting(
            cursor,
            [
                (system_account(Account.SystemCode.GUARANTEE_FUND, "EUR"), -2000),
                (system_account(Account.SystemCode.WORLD, "EUR"), 2000),
            ],
        )
    assert ledger_rows() == before


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_the_ledger_service_cannot_issue_ach_without_euros_either(funded):
    before = ledger_rows()
    issuance = system_account(Account.SystemCode.ISSUANCE, "ACH")
    with pytest.raises(IntegrityError, match="backing broken"):
        transaction_post(
            legs=[(issuance, -Money("5", "ACH")), (account_of(funded, "ACH"), Money("5", "ACH"))], actor=None
        )
    assert ledger_rows() == before


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_postings_that_touch_neither_side_commit_as_before(funded, make_member):
    bruno = make_member(username="bruno")
    transfer_create(
        from_account=account_of(funded, "ACH"),
        to_account=account_of(bruno, "ACH"),
        amount=Money("30", "ACH"),
        actor=None,
    )
    transfer_create(
        from_account=account_of(funded, "HRS"),
        to_account=account_of(bruno, "HRS"),
        amount=Money("2", "HRS"),
        actor=None,
    )
    assert (balance(account_of(funded, "ACH")), balance(account_of(bruno, "ACH"))) == (7000, 3000)
    assert_backed()
