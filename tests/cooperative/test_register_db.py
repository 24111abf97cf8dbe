"""The database itself keeps the register append-only and numbered without gaps.

Legitimate data comes from the services; the attacks are raw SQL, as a buggy service, a script or
a hand in psql would write it. PostgreSQL refuses UPDATE, DELETE and an INSERT that does not take
the next number (triggers of migration 0002); SQLite refuses UPDATE and the wrong number, not
DELETE (Django's test flush deletes rows there). CHECK constraints hold on both.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from cooperative.models import Cooperative, Shareholder, ShareMovement
from ledger.models import Account, Entry, Transaction
from tests.cooperative.helpers import found_scic, share_class
from tests.cooperative.test_worked_examples import shareholder, subscribed

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date


@dataclass
class Register:
    cooperative: Cooperative
    alice: Shareholder
    bruno: Shareholder


@pytest.fixture
def books(make_member) -> Register:
    """Alice subscribed 4 A (n° 1), Bruno 2 A (n° 2), through the services."""
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2024, 1, 8))
    subscribed(cooperative, bruno, "Usagers", "A", 2, paid_on=D(2024, 1, 9))
    assert list(ShareMovement.objects.values_list("number", "quantity", "capital_delta")) == [
        (1, 4, 40000),
        (2, 2, 20000),
    ]
    return Register(cooperative, shareholder(cooperative, alice), shareholder(cooperative, bruno))


def rows() -> tuple[Any, ...]:
    """The register and the books as they stand: a refused attack leaves all of it as it was."""
    return (
        tuple(
            ShareMovement.objects.order_by("id").values_list(
                "id",
                "cooperative_id",
                "number",
                "kind",
                "effective_on",
                "quantity",
                "from_shareholder_id",
                "to_shareholder_id",
                "capital_delta",
                "ledger_transaction_id",
            )
        ),
        tuple(Transaction.objects.order_by("id").values_list("id", "kind")),
        tuple(Entry.objects.order_by("id").values_list("id", "amount", "balance_after")),
        tuple(Account.objects.order_by("id").values_list("id", "balance")),
    )


def insert_movement(
    cursor,
    register: Register,
    *,
    number: int,
    cooperative: Cooperative | None = None,
    kind: str = "subscription",
    quantity: int = 1,
    parties: tuple[int | None, int | None] | None = None,
    capital_delta: int = 10000,
) -> None:
    """A movement n° `number`; by default a subscription of one share to Alice."""
    cooperative = cooperative or register.cooperative
    from_id, to_id = parties or (None, register.alice.pk)
    cursor.execute(
        "INSERT INTO cooperative_sharemovement (cooperative_id, number, kind, effective_on, share_class_id,"
        " quantity, from_shareholder_id, to_shareholder_id, capital_delta, board_decision, note, recorded_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, '', 'raw SQL', CURRENT_TIMESTAMP)",
        [
            cooperative.pk,
            number,
            kind,
            D(2024, 2, 1),
            share_class(cooperative, "A").pk,
            quantity,
            from_id,
            to_id,
            capital_delta,
        ],
    )


def refused_by_database(match: str):
    return pytest.raises(IntegrityError, match=match)


# --- a control: the next number in raw SQL is accepted, so the refusals below mean something ---


def test_a_movement_taking_the_next_number_is_accepted(books):
    with transaction.atomic(), connection.cursor() as cursor:
        insert_movement(cursor, books, number=3)

    assert list(ShareMovement.objects.values_list("number", flat=True)) == [1, 2, 3]


# --- append-only --------------------------------------------------------------------------------


def test_updating_a_movement_is_refused(books):
    before = rows()

    with refused_by_database("append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cooperative_sharemovement SET quantity = 40, capital_delta = 400000 WHERE number = 1")

    assert rows() == before


def test_renumbering_a_movement_is_refused(books):
    before = rows()

    with refused_by_database("append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cooperative_sharemovement SET number = number + 10 WHERE number = 2")

    assert rows() == before


def test_updating_a_movement_through_the_orm_is_refused_too(books):
    before = rows()
    movement = ShareMovement.objects.get(number=2)
    movement.quantity = 20

    with refused_by_database("append-only"), transaction.atomic():
        movement.save()

    assert rows() == before


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no DELETE trigger on the register: Django's test flush deletes rows there "
    "(PostgreSQL flushes with TRUNCATE, which fires no row trigger)",
)
def test_deleting_a_movement_is_refused(books):
    before = rows()

    with refused_by_database("append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cooperative_sharemovement WHERE number = 2")

    assert rows() == before


# --- numbered without gaps ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "why"),
    [(4, "a gap after n° 2"), (2, "a duplicate of n° 2"), (1, "a number already taken")],
)
def test_a_movement_that_does_not_take_the_next_number_is_refused(books, number, why):
    before = rows()

    with (
        refused_by_database("not the next number|must take the next number"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        insert_movement(cursor, books, number=number)

    assert rows() == before, why


def test_each_cooperative_numbers_its_own_register_from_one(books):
    elsewhere = found_scic(siren="248500530")
    before = rows()

    with (
        refused_by_database("not the next number|must take the next number"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        insert_movement(cursor, books, cooperative=elsewhere, number=3)
    assert rows() == before

    with transaction.atomic(), connection.cursor() as cursor:
        insert_movement(cursor, books, cooperative=elsewhere, number=1)
    assert list(ShareMovement.objects.filter(cooperative=elsewhere).values_list("number", flat=True)) == [1]


# --- CHECK constraints, on every backend ------------------------------------------------------


def test_a_transfer_that_changes_the_capital_is_refused(books):
    before = rows()

    with refused_by_database("movement_transfer_keeps_capital"), transaction.atomic(), connection.cursor() as cursor:
        insert_movement(
            cursor, books, number=3, kind="transfer", parties=(books.alice.pk, books.bruno.pk), capital_delta=100
        )

    assert rows() == before


@pytest.mark.parametrize(
    ("kind", "giver", "taker"),
    [
        ("subscription", "alice", "bruno"),  # a subscription comes from nobody
        ("redemption", None, "alice"),  # a redemption goes to nobody
        ("transfer", "alice", "alice"),  # a transfer goes to someone else
        ("cancellation", "alice", None),  # a cancellation reverses a movement
    ],
)
def test_a_movement_whose_parties_do_not_fit_its_kind_is_refused(books, kind, giver, taker):
    before = rows()
    ids = {"alice": books.alice.pk, "bruno": books.bruno.pk, None: None}

    with refused_by_database("movement_kind_consistent"), transaction.atomic(), connection.cursor() as cursor:
        insert_movement(cursor, books, number=3, kind=kind, parties=(ids[giver], ids[taker]), capital_delta=0)

    assert rows() == before


def test_a_movement_of_no_share_is_refused(books):
    before = rows()

    with refused_by_database("movement_positive"), transaction.atomic(), connection.cursor() as cursor:
        insert_movement(cursor, books, number=3, quantity=0)

    assert rows() == before
