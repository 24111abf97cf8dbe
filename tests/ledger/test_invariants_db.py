"""The database itself refuses what would break the ledger's invariants (docs/ARCHITECTURE.md, 1–6).

Legitimate data comes from the services; the attacks are raw SQL, as a buggy service, a script
or a hand in psql would write it. Deferred triggers fire at COMMIT, hence `transaction=True`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from djmoney.money import Money

from ledger import services
from ledger.models import Account, Entry, Hold, Transaction
from tests.conftest import account_of, requires_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Books:
    payer: Account
    payee: Account
    grains: Account
    transfer: Transaction
    hold: Hold


@pytest.fixture
def books(make_member) -> Books:
    """Alice paid Bruno 3 h and holds 2 h more towards him, all through the services."""
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    transfer = services.transfer_create(from_account=payer, to_account=payee, amount=Money("3", "HRS"), actor=None)
    hold = services.hold_create(from_account=payer, to_account=payee, amount=Money("2", "HRS"), actor=None)
    payer.refresh_from_db()
    payee.refresh_from_db()
    assert (payer.balance, payer.held, payee.balance) == (-300, 200, 300)
    return Books(payer=payer, payee=payee, grains=account_of(bruno, "GRN"), transfer=transfer, hold=hold)


def ledger_rows() -> tuple:
    """Every ledger row as it stands: a refused attack leaves all of it as it was."""
    return (
        tuple(Transaction.objects.order_by("id").values_list("id", "kind", "idempotency_key", "reverses_id")),
        tuple(
            Entry.objects.order_by("id").values_list(
                "id", "transaction_id", "account_id", "unit", "amount", "balance_after"
            )
        ),
        tuple(Account.objects.order_by("id").values_list("id", "balance", "held", "min_balance", "max_balance")),
        tuple(Hold.objects.order_by("id").values_list("id", "status", "amount", "captured_amount")),
    )


def last_balance_after(account: Account) -> int:
    entry = Entry.objects.filter(account=account).order_by("-id").first()
    return entry.balance_after if entry is not None else 0


def insert_transaction(cursor, *, idempotency_key: str | None = None, reverses_id: int | None = None) -> int:
    cursor.execute(
        "INSERT INTO ledger_transaction (kind, memo, created_at, idempotency_key, request_hash, reverses_id)"
        " VALUES ('posting', 'raw SQL', CURRENT_TIMESTAMP, %s, '', %s) RETURNING id",
        [idempotency_key, reverses_id],
    )
    return cursor.fetchone()[0]


def insert_entry(
    cursor,
    *,
    transaction_id: int,
    account: Account,
    amount: int,
    unit: str | None = None,
    balance_after: int | None = None,
) -> None:
    """An entry extending the account's chain, unless told otherwise."""
    if balance_after is None:
        balance_after = last_balance_after(account) + amount
    cursor.execute(
        "INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)"
        " VALUES (%s, %s, %s, %s, %s)",
        [transaction_id, account.pk, unit or account.unit, amount, balance_after],
    )


def move_balance(cursor, account: Account, amount: int) -> None:
    cursor.execute("UPDATE ledger_account SET balance = balance + %s WHERE id = %s", [amount, account.pk])


def raw_transfer(cursor, payer: Account, payee: Account, amount: int, **transaction_fields) -> int:
    """A correct transfer in raw SQL: the transaction, its two chained entries, both balances."""
    txn_id = insert_transaction(cursor, **transaction_fields)
    insert_entry(cursor, transaction_id=txn_id, account=payer, amount=-amount)
    insert_entry(cursor, transaction_id=txn_id, account=payee, amount=amount)
    move_balance(cursor, payer, -amount)
    move_balance(cursor, payee, amount)
    return txn_id


def refused_by_database(match: str):
    return pytest.raises(IntegrityError, match=match)


# --- a control: a correct posting in raw SQL is accepted, so the refusals below are meaningful ---


@requires_postgresql()
def test_a_correct_posting_written_in_raw_sql_is_accepted(books):
    with transaction.atomic(), connection.cursor() as cursor:
        txn_id = raw_transfer(cursor, books.payer, books.payee, 100)

    books.payer.refresh_from_db()
    books.payee.refresh_from_db()
    assert (books.payer.balance, books.payee.balance) == (-400, 400)
    assert list(Entry.objects.filter(transaction_id=txn_id).values_list("amount", "balance_after")) == [
        (-100, -400),
        (100, 400),
    ]


# --- 1. per transaction and per unit, entries sum to zero -------------------------------------


@requires_postgresql()
def test_an_unbalanced_transaction_is_refused_at_commit(books):
    before = ledger_rows()

    with refused_by_database("unbalanced"), transaction.atomic(), connection.cursor() as cursor:
        txn_id = insert_transaction(cursor)
        insert_entry(cursor, transaction_id=txn_id, account=books.payer, amount=-100)
        insert_entry(cursor, transaction_id=txn_id, account=books.payee, amount=90)
        move_balance(cursor, books.payer, -100)
        move_balance(cursor, books.payee, 90)

    assert ledger_rows() == before


@requires_postgresql()
def test_a_transaction_balanced_across_units_but_not_within_each_is_refused_at_commit(books):
    before = ledger_rows()

    # One hour out of Alice's HRS account, one grain into Bruno's GRN account: the total is
    # zero, but hours and grains never mix.
    with refused_by_database("unbalanced"), transaction.atomic(), connection.cursor() as cursor:
        txn_id = insert_transaction(cursor)
        insert_entry(cursor, transaction_id=txn_id, account=books.payer, amount=-100)
        insert_entry(cursor, transaction_id=txn_id, account=books.grains, amount=100)
        move_balance(cursor, books.payer, -100)
        move_balance(cursor, books.grains, 100)

    assert ledger_rows() == before


@requires_postgresql()
def test_a_transaction_without_entries_is_refused_at_commit(books):
    before = ledger_rows()

    with refused_by_database("fewer than two entries"), transaction.atomic(), connection.cursor() as cursor:
        insert_transaction(cursor)

    assert ledger_rows() == before


# --- 2. an entry's unit is its account's unit --------------------------------------------------


def test_an_entry_in_another_unit_than_its_account_is_refused(books):
    before = ledger_rows()

    with (
        refused_by_database("entry_unit_is_account_unit|unit must be its account"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn_id = insert_transaction(cursor)
        insert_entry(cursor, transaction_id=txn_id, account=books.payer, amount=-100, unit="GRN")
        insert_entry(cursor, transaction_id=txn_id, account=books.grains, amount=100)

    assert ledger_rows() == before


# --- 3. limits: CHECK constraints on the account row -------------------------------------------


def test_an_account_below_its_lower_limit_is_refused_by_a_check_constraint(books):
    before = ledger_rows()

    # Alice: balance −3 h, held 2 h, limit −20 h — one more hour past −15 h breaks it.
    with refused_by_database("account_above_min_balance"), transaction.atomic(), connection.cursor() as cursor:
        move_balance(cursor, books.payer, -1501)

    assert ledger_rows() == before


def test_holding_more_than_is_available_is_refused_by_a_check_constraint(books):
    before = ledger_rows()

    with refused_by_database("account_above_min_balance"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET held = held + 1501 WHERE id = %s", [books.payer.pk])

    assert ledger_rows() == before


def test_an_account_above_its_upper_limit_is_refused_by_a_check_constraint(books):
    before = ledger_rows()

    with refused_by_database("account_below_max_balance"), transaction.atomic(), connection.cursor() as cursor:
        move_balance(cursor, books.payee, 9701)

    assert ledger_rows() == before


def test_a_negative_held_amount_is_refused_by_a_check_constraint(books):
    before = ledger_rows()

    with refused_by_database("account_held_not_negative"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET held = -1 WHERE id = %s", [books.payee.pk])

    assert ledger_rows() == before


# --- 4. balance = sum of entries = last balance_after ------------------------------------------


def test_an_entry_whose_balance_after_does_not_extend_the_chain_is_refused(books):
    before = ledger_rows()

    with refused_by_database("balance_after"), transaction.atomic(), connection.cursor() as cursor:
        txn_id = insert_transaction(cursor)
        # Alice's last entry left her at −300: −100 more must say −400, not −100.
        insert_entry(cursor, transaction_id=txn_id, account=books.payer, amount=-100, balance_after=-100)
        insert_entry(cursor, transaction_id=txn_id, account=books.payee, amount=100)

    assert ledger_rows() == before


@requires_postgresql()
def test_an_account_balance_changed_without_an_entry_is_refused_at_commit(books):
    before = ledger_rows()

    with refused_by_database("differs from its last entry"), transaction.atomic(), connection.cursor() as cursor:
        move_balance(cursor, books.payee, 100)

    assert ledger_rows() == before


@requires_postgresql()
def test_entries_posted_without_moving_the_account_balance_are_refused_at_commit(books):
    before = ledger_rows()

    with refused_by_database("differs from its last entry"), transaction.atomic(), connection.cursor() as cursor:
        txn_id = insert_transaction(cursor)
        insert_entry(cursor, transaction_id=txn_id, account=books.payer, amount=-100)
        insert_entry(cursor, transaction_id=txn_id, account=books.payee, amount=100)

    assert ledger_rows() == before


@requires_postgresql()
def test_held_changed_without_a_hold_is_refused_at_commit(books):
    before = ledger_rows()

    with refused_by_database("differs from its pending holds"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET held = held + 100 WHERE id = %s", [books.payer.pk])

    assert ledger_rows() == before


@requires_postgresql()
def test_a_hold_inserted_without_raising_held_is_refused_at_commit(books):
    before = ledger_rows()

    with refused_by_database("differs from its pending holds"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_hold (debit_account_id, credit_account_id, unit, amount, captured_amount, status,"
            " memo, created_at, request_hash) VALUES (%s, %s, 'HRS', 100, 0, 'pending', '', CURRENT_TIMESTAMP, '')",
            [books.payer.pk, books.payee.pk],
        )

    assert ledger_rows() == before


@requires_postgresql()
def test_a_hold_voided_without_releasing_held_is_refused_at_commit(books):
    before = ledger_rows()

    with refused_by_database("differs from its pending holds"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_hold SET status = 'voided', resolved_at = CURRENT_TIMESTAMP WHERE id = %s", [books.hold.pk]
        )

    assert ledger_rows() == before


# --- 5. append-only; a transaction is reversed at most once -----------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET amount = amount * 2 WHERE transaction_id = %s",
        "UPDATE ledger_entry SET balance_after = 0 WHERE transaction_id = %s",
        "UPDATE ledger_transaction SET memo = 'rewritten' WHERE id = %s",
    ],
)
def test_updating_entries_or_transactions_is_refused(books, statement):
    before = ledger_rows()

    with refused_by_database("append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [books.transfer.pk])

    assert ledger_rows() == before


@requires_postgresql()
@pytest.mark.parametrize(
    "statement",
    ["DELETE FROM ledger_entry WHERE transaction_id = %s", "DELETE FROM ledger_transaction WHERE id = %s"],
)
def test_deleting_entries_or_transactions_is_refused(books, statement):
    before = ledger_rows()

    with refused_by_database("append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [books.transfer.pk])

    assert ledger_rows() == before


def test_updating_an_entry_through_the_orm_is_refused_too(books):
    before = ledger_rows()

    with refused_by_database("append-only"), transaction.atomic():
        Entry.objects.filter(transaction=books.transfer).update(amount=0)

    assert ledger_rows() == before


def test_a_transaction_reversed_twice_is_refused(books):
    services.transaction_reverse(transaction_to_reverse=books.transfer, actor=None)
    before = ledger_rows()

    with refused_by_database("reverses_id"), transaction.atomic(), connection.cursor() as cursor:
        txn_id = insert_transaction(cursor, reverses_id=books.transfer.pk)
        insert_entry(cursor, transaction_id=txn_id, account=books.payer, amount=300)
        insert_entry(cursor, transaction_id=txn_id, account=books.payee, amount=-300)
        move_balance(cursor, books.payer, 300)
        move_balance(cursor, books.payee, -300)

    assert ledger_rows() == before


# --- 6. one idempotency key, at most one transaction --------------------------------------------


def test_a_second_transaction_with_the_same_idempotency_key_is_refused(books):
    first = services.transfer_create(
        from_account=books.payer, to_account=books.payee, amount=Money("1", "HRS"), actor=None, idempotency_key="k-1"
    )
    assert first.idempotency_key == "k-1"
    before = ledger_rows()

    with refused_by_database("idempotency_key"), transaction.atomic(), connection.cursor() as cursor:
        txn_id = insert_transaction(cursor, idempotency_key="k-1")
        insert_entry(cursor, transaction_id=txn_id, account=books.payer, amount=-100)
        insert_entry(cursor, transaction_id=txn_id, account=books.payee, amount=100)
        move_balance(cursor, books.payer, -100)
        move_balance(cursor, books.payee, 100)

    assert ledger_rows() == before


def test_a_second_hold_with_the_same_idempotency_key_is_refused(books):
    services.hold_create(
        from_account=books.payer, to_account=books.payee, amount=Money("1", "HRS"), actor=None, idempotency_key="h-1"
    )
    before = ledger_rows()

    with refused_by_database("idempotency_key"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_hold (debit_account_id, credit_account_id, unit, amount, captured_amount, status,"
            " memo, created_at, request_hash, idempotency_key)"
            " VALUES (%s, %s, 'HRS', 100, 0, 'pending', '', CURRENT_TIMESTAMP, '', 'h-1')",
            [books.payer.pk, books.payee.pk],
        )
        cursor.execute("UPDATE ledger_account SET held = held + 100 WHERE id = %s", [books.payer.pk])

    assert ledger_rows() == before


# --- holds resolve once -------------------------------------------------------------------------


@pytest.mark.parametrize("resolve", ["capture", "void", "expire"])
def test_a_resolved_hold_cannot_be_set_back_to_pending(books, resolve):
    if resolve == "capture":
        services.hold_capture(hold=books.hold, actor=None)
    elif resolve == "void":
        services.hold_void(hold=books.hold, actor=None)
    else:
        hold = services.hold_create(
            from_account=books.payer,
            to_account=books.payee,
            amount=Money("1", "HRS"),
            actor=None,
            expires_at=timezone.now() + timedelta(hours=1),
        )
        assert services.hold_expire(hold_id=hold.pk, now=timezone.now() + timedelta(hours=2)) is True
        books.hold = hold
    before = ledger_rows()

    with refused_by_database("resolves once"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_hold SET status = 'pending', resolved_at = NULL, capture_transaction_id = NULL,"
            " captured_amount = 0 WHERE id = %s",
            [books.hold.pk],
        )
        cursor.execute("UPDATE ledger_account SET held = held + %s WHERE id = %s", [books.hold.amount, books.payer.pk])

    assert ledger_rows() == before


def test_the_terms_of_a_pending_hold_cannot_change(books):
    before = ledger_rows()

    with refused_by_database("resolves once"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_hold SET amount = 100 WHERE id = %s", [books.hold.pk])
        cursor.execute("UPDATE ledger_account SET held = held - 100 WHERE id = %s", [books.payer.pk])

    assert ledger_rows() == before


# --- the checks are grouped per statement and per database transaction (migration 0008) -------


def insert_entries(cursor, rows: list[tuple[int, Account, int, int]]) -> None:
    """Several entries in one INSERT statement: (transaction id, account, amount, balance_after)."""
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params = [
        value for txn_id, account, amount, after in rows for value in (txn_id, account.pk, account.unit, amount, after)
    ]
    cursor.execute(
        f"INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after) VALUES {values}",
        params,
    )


def invariant_queue_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM ledger_invariant_queue) + (SELECT count(*) FROM ledger_invariant_check)"
        )
        return cursor.fetchone()[0]


@requires_postgresql()
def test_a_statement_chaining_several_entries_of_one_account_is_accepted(books):
    # Alice −1, −2, +0.5 and Bruno +1, +2, −0.5 in one INSERT: each entry follows the one before it
    # on its account, inside the statement as well as across it.
    with transaction.atomic(), connection.cursor() as cursor:
        txn_id = insert_transaction(cursor)
        insert_entries(
            cursor,
            [
                (txn_id, books.payer, -100, -400),
                (txn_id, books.payee, 100, 400),
                (txn_id, books.payer, -200, -600),
                (txn_id, books.payee, 200, 600),
                (txn_id, books.payer, 50, -550),
                (txn_id, books.payee, -50, 550),
            ],
        )
        move_balance(cursor, books.payer, -250)
        move_balance(cursor, books.payee, 250)

    books.payer.refresh_from_db()
    assert books.payer.balance == -550
    assert invariant_queue_rows() == 0


@requires_postgresql()
@pytest.mark.parametrize("broken", [0, 2, 4], ids=["first-of-statement", "middle", "last"])
def test_a_statement_breaking_the_chain_anywhere_in_it_is_refused(books, broken):
    rows_ok = [(-100, -400), (-200, -600), (50, -550)]
    before = ledger_rows()

    with refused_by_database("balance_after"), transaction.atomic(), connection.cursor() as cursor:
        txn_id = insert_transaction(cursor)
        rows = []
        for i, (amount, after) in enumerate(rows_ok):
            rows.append((txn_id, books.payer, amount, after + (1 if 2 * i == broken else 0)))
            rows.append((txn_id, books.payee, -amount, -after))
        insert_entries(cursor, rows)

    assert ledger_rows() == before


@requires_postgresql()
def test_an_entry_added_later_to_a_committed_transaction_is_refused(books):
    before = ledger_rows()

    # Balanced on its own account (it moves the balance with it), but it unbalances the transfer.
    with refused_by_database("unbalanced"), transaction.atomic(), connection.cursor() as cursor:
        insert_entry(cursor, transaction_id=books.transfer.pk, account=books.payee, amount=100)
        move_balance(cursor, books.payee, 100)

    assert ledger_rows() == before


@requires_postgresql()
def test_writes_after_the_checks_ran_mid_transaction_are_checked_again_at_commit(books):
    before = ledger_rows()

    with refused_by_database("differs from its last entry"), transaction.atomic(), connection.cursor() as cursor:
        raw_transfer(cursor, books.payer, books.payee, 100)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks run here, and pass
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        move_balance(cursor, books.payee, 1)  # queued afresh: refused at COMMIT

    assert ledger_rows() == before


@requires_postgresql()
def test_a_rolled_back_savepoint_does_not_lose_the_checks_of_what_follows(books):
    before = ledger_rows()

    with refused_by_database("differs from its last entry"), transaction.atomic(), connection.cursor() as cursor:
        with transaction.atomic():  # a savepoint: its write queues the checks, then is rolled back
            move_balance(cursor, books.payer, 5)
            transaction.set_rollback(True)
        move_balance(cursor, books.payee, 7)

    assert ledger_rows() == before
    assert invariant_queue_rows() == 0


@requires_postgresql()
def test_the_check_queue_is_empty_after_commits_and_refusals(books):
    services.transfer_create(from_account=books.payer, to_account=books.payee, amount=Money("1", "HRS"), actor=None)
    with refused_by_database("differs from its last entry"), transaction.atomic(), connection.cursor() as cursor:
        move_balance(cursor, books.payee, 1)

    assert invariant_queue_rows() == 0
