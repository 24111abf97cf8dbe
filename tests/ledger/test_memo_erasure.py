"""A memo naming a person can be erased while every seal stays verifiable (issue 19).

The seal covers a salted digest of the memo (T2 line), not the memo: erasing replaces the memo and
clears the salt, the digest stays. Rows sealed before (legacy line, memo in clear) keep their memo.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from djmoney.money import Money

from core.audit import audit_record
from core.models import AuditEvent
from ledger import memos, services
from ledger.models import Account, Hold, Seal, Transaction
from ledger.sealing import GENESIS_HASH, memo_commitment, seal_pending, stream_transactions, transaction_rows
from ledger.verification import verify_ledger
from tests.conftest import account_of, requires_postgresql
from tests.ledger.sealing_helpers import later
from tests.ledger.test_sealing import _database_target, _load_independent_script

pytestmark = pytest.mark.django_db(transaction=True)

RECONVERSION = "currency.reconversion"  # "Reconversion #%(id)s of %(member)s": a system memo naming a person


@pytest.fixture
def accounts(make_member) -> tuple[Account, Account]:
    camille, bruno = make_member(username="camille"), make_member(username="bruno")
    return account_of(camille, "HRS"), account_of(bruno, "HRS")


def pay(payer: Account, payee: Account, memo: str | memos.Memo = "", **kwargs: Any) -> Transaction:
    return services.transfer_create(
        from_account=payer, to_account=payee, amount=Money("1", "HRS"), memo=memo, actor=None, **kwargs
    )


def stored(txn: Transaction) -> tuple:
    return (
        Transaction.objects.filter(pk=txn.pk)
        .values_list("memo", "memo_code", "memo_params", "memo_salt", "memo_digest")
        .get()
    )


@contextmanager
def triggers_off(table: str) -> Iterator[None]:
    """As a database superuser would: PostgreSQL's replica role, SQLite's triggers dropped and put back."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield
            return
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        triggers = cursor.fetchall()
        for name, _ in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
        yield
        for _, sql in triggers:
            cursor.execute(sql)


def tamper(table: str, sql: str, params: Sequence[Any]) -> None:
    with triggers_off(table), connection.cursor() as cursor:
        cursor.execute(sql, params)


def make_legacy(*transactions: Transaction) -> None:
    """The state of a row written before migration 0014: no salt, no digest (the legacy line)."""
    for txn in transactions:
        tamper(
            "ledger_transaction",
            "UPDATE ledger_transaction SET memo_salt = '', memo_digest = '' WHERE id = %s",
            [txn.pk],
        )


def independent_script_lines(capsys) -> tuple[int, list[str]]:
    capsys.readouterr()
    status = _load_independent_script().main(_database_target())
    return status, capsys.readouterr().out.splitlines()


def refused(match: str = "append-only"):
    return pytest.raises(IntegrityError, match=match)


# --- posting: every new transaction commits to its memo ------------------------------------------


def test_a_posting_stores_a_salt_and_the_commitment_to_its_memo_and_seals_the_t2_line(accounts):
    txn = pay(*accounts, memo="Loyer de Camille Dupont")

    memo, code, params, salt, digest = stored(txn)
    assert (memo, code, params, len(salt)) == ("Loyer de Camille Dupont", None, None, 32)
    assert digest == hashlib.sha256(f"{salt}|Loyer de Camille Dupont|".encode()).hexdigest()
    (streamed,) = stream_transactions(transaction_rows())
    assert streamed.canonical.startswith(f"T2|{txn.pk}|transfer|".encode())
    assert b"Camille" not in streamed.canonical and digest.encode() in streamed.canonical


def test_a_coded_memo_commits_to_its_parameters_and_keeps_its_code_in_clear(accounts):
    txn = pay(*accounts, memo=memos.memo(RECONVERSION, id=7, member="Camille Dupont"))

    _, code, params, salt, digest = stored(txn)
    assert (code, params) == (RECONVERSION, {"id": 7, "member": "Camille Dupont"})
    assert digest == memo_commitment(salt, txn.memo, code, params)
    (streamed,) = stream_transactions(transaction_rows())
    assert streamed.canonical.split(b"\n")[0].endswith(b"||" + RECONVERSION.encode())
    assert b"Camille" not in streamed.canonical


def test_a_replay_with_the_same_idempotency_key_returns_the_stored_row_and_its_salt(accounts):
    first = pay(*accounts, memo="Loyer", idempotency_key="web:1:replay")

    replay = pay(*accounts, memo="Loyer", idempotency_key="web:1:replay")

    assert replay.pk == first.pk
    assert (replay.memo_salt, replay.memo_digest) == stored(first)[3:]
    assert Transaction.objects.count() == 1


def test_a_batch_commits_to_each_memo(accounts):
    payer, payee = accounts
    posted = services.transactions_post_batch(
        transfers=[
            services.BatchTransfer(payer.pk, payee.pk, Money("1", "HRS"), memo="Loyer de Camille"),
            services.BatchTransfer(payer.pk, payee.pk, Money("2", "HRS"), memo=""),
        ],
        actor=None,
    )

    for txn, memo in zip(posted, ["Loyer de Camille", ""], strict=True):
        _, _, _, salt, digest = stored(txn)
        assert (txn.memo_salt, txn.memo_digest) == (salt, digest)
        assert digest == memo_commitment(salt, memo, None, None)


# --- erasure ---------------------------------------------------------------------------------------


def test_an_erased_memo_leaves_every_seal_verifying(accounts, capsys):
    txn = pay(*accounts, memo="Loyer de Camille Dupont")
    coded = pay(*accounts, memo=memos.memo(RECONVERSION, id=7, member="Camille Dupont"))
    seal = seal_pending(now=later())
    digests = (stored(txn)[4], stored(coded)[4])

    assert services.transaction_memo_erase(transaction=txn, memo="Loyer", memo_params=None) is True
    assert services.transaction_memo_erase(transaction=coded, memo="", memo_params={"id": 7, "member": "Membre 12"})

    assert stored(txn) == ("Loyer", None, None, "", digests[0])
    assert stored(coded) == ("", RECONVERSION, {"id": 7, "member": "Membre 12"}, "", digests[1])
    assert (txn.memo, txn.memo_salt) == ("Loyer", "")
    report = verify_ledger()
    assert report.ok, report.discrepancies
    status, lines = independent_script_lines(capsys)
    assert (status, lines) == (0, [f"1\t{seal.hash}\t{seal.hash}\tOK"])


def test_erasing_twice_is_harmless(accounts):
    txn = pay(*accounts, memo="Loyer de Camille")
    seal_pending(now=later())

    assert services.transaction_memo_erase(transaction=txn, memo="", memo_params=None)
    assert services.transaction_memo_erase(transaction=txn, memo="", memo_params=None)

    assert stored(txn)[:4] == ("", None, None, "")
    assert verify_ledger().ok


def test_an_unsealed_erased_memo_is_sealed_by_its_digest_and_verifies(accounts):
    txn = pay(*accounts, memo="Loyer de Camille")
    services.transaction_memo_erase(transaction=txn, memo="", memo_params=None)

    seal = seal_pending(now=later())

    assert seal is not None and seal.last_transaction_id == txn.pk
    assert verify_ledger().ok


def test_a_memo_changed_in_place_with_its_salt_still_there_is_found(accounts, capsys):
    txn = pay(*accounts, memo="Loyer de Camille")
    seal = seal_pending(now=later())

    tamper("ledger_transaction", "UPDATE ledger_transaction SET memo = 'Loyer de Bruno' WHERE id = %s", [txn.pk])

    report = verify_ledger()
    assert [str(d) for d in report.discrepancies] == [
        f"transaction {txn.pk}: its memo or memo parameters were changed "
        "(they no longer match the memo digest that is sealed)"
    ]
    status, lines = independent_script_lines(capsys)
    assert status == 1
    assert lines == [f"1\t{seal.hash}\t{seal.hash}\tMISMATCH (memo changed in transaction {txn.pk})"]


def test_a_memo_changed_in_the_unsealed_tail_is_found_too(accounts):
    txn = pay(*accounts, memo="Loyer de Camille")

    tamper("ledger_transaction", "UPDATE ledger_transaction SET memo_params = '{\"x\": 1}' WHERE id = %s", [txn.pk])
    tamper(
        "ledger_transaction",
        "UPDATE ledger_transaction SET memo_code = 'currency.reconversion' WHERE id = %s",
        [txn.pk],
    )

    assert [d.transaction_id for d in verify_ledger().discrepancies] == [txn.pk]


def test_a_changed_digest_breaks_its_seal(accounts):
    txn = pay(*accounts, memo="Loyer de Camille")
    seal = seal_pending(now=later())
    salt = stored(txn)[3]

    # A forged digest, consistent with a forged memo: only the seal can tell.
    forged = memo_commitment(salt, "Loyer de Bruno", None, None)
    tamper(
        "ledger_transaction",
        "UPDATE ledger_transaction SET memo = 'Loyer de Bruno', memo_digest = %s WHERE id = %s",
        [forged, txn.pk],
    )

    messages = [str(d) for d in verify_ledger().discrepancies]
    assert len(messages) == 1
    assert messages[0].startswith(f"seal {seal.sequence}: hash differs")


# --- legacy rows (sealed before the commitment) ---------------------------------------------------


def test_a_legacy_row_sealed_with_its_memo_in_clear_verifies_and_is_not_erased(accounts, capsys):
    txn = pay(*accounts, memo="Loyer de Camille")
    make_legacy(txn)
    seal = seal_pending(now=later())
    (streamed,) = stream_transactions(transaction_rows())
    assert streamed.canonical.startswith(f"T|{txn.pk}|transfer|".encode())
    assert b"|Loyer de Camille|" in streamed.canonical

    assert services.transaction_memo_erase(transaction=txn, memo="", memo_params=None) is False

    assert stored(txn) == ("Loyer de Camille", None, None, "", "")
    assert txn.memo == "Loyer de Camille"
    assert verify_ledger().ok
    assert independent_script_lines(capsys) == (0, [f"1\t{seal.hash}\t{seal.hash}\tOK"])


def test_a_chain_mixing_legacy_and_layout_2_seals_verifies_before_and_after_an_erasure(accounts, capsys):
    legacy = [
        pay(*accounts, memo="Loyer de Camille"),
        pay(*accounts, memo=memos.memo(RECONVERSION, id=3, member="Camille")),
    ]
    make_legacy(*legacy)
    first = seal_pending(now=later())
    recent = pay(*accounts, memo="Jardin | haies de Camille")
    second = seal_pending(now=later())
    assert verify_ledger().ok

    services.transaction_memo_erase(transaction=recent, memo="", memo_params=None)

    assert verify_ledger().ok
    assert independent_script_lines(capsys) == (
        0,
        [f"1\t{first.hash}\t{first.hash}\tOK", f"2\t{second.hash}\t{second.hash}\tOK"],
    )
    assert second.previous_hash == first.hash != GENESIS_HASH


# --- the migration's fill ----------------------------------------------------------------------------


def test_the_fill_commits_the_unsealed_rows_only_and_the_ledger_still_verifies(accounts):
    fill = importlib.import_module("ledger.migrations.0014_memo_commitment").fill_memo_commitments
    sealed = pay(*accounts, memo="Loyer de Camille")
    make_legacy(sealed)
    seal_pending(now=later())
    unsealed = [pay(*accounts, memo="Jardin"), pay(*accounts, memo=memos.memo(RECONVERSION, id=3, member="Camille"))]
    make_legacy(*unsealed)

    assert fill(Transaction, Seal, connection.alias) == 2

    assert stored(sealed)[3:] == ("", "")
    for txn in unsealed:
        memo, code, params, salt, digest = stored(txn)
        assert len(salt) == 32 and digest == memo_commitment(salt, memo, code, params)
    assert fill(Transaction, Seal, connection.alias) == 0
    seal_pending(now=later())
    assert verify_ledger().ok
    assert services.transaction_memo_erase(transaction=unsealed[1], memo="", memo_params={"id": 3, "member": "Membre"})
    assert verify_ledger().ok


# --- what the database lets through on ledger_transaction ---------------------------------------------


@pytest.mark.parametrize(
    "assignment",
    [
        "kind = 'posting'",
        "created_at = '2020-01-01 00:00:00'",
        "idempotency_key = 'rewritten'",
        "request_hash = 'x'",
        "request_hash = 'x', memo_salt = ''",  # an erasure, but with another change
        "memo_code = 'currency.reconversion'",
        "memo = 'rewritten'",  # the salt is still there
        'memo_params = \'{"member": "x"}\'',
        "memo_digest = ''",
        "memo_digest = '00', memo_salt = ''",
        "memo_salt = 'aa'",
        "memo = 'Loyer', memo_salt = '', kind = 'posting'",
    ],
)
def test_the_database_refuses_any_other_change_of_a_transaction(accounts, assignment):
    txn = pay(*accounts, memo="Loyer de Camille")
    before = stored(txn), Transaction.objects.filter(pk=txn.pk).values_list("kind", "created_at").get()

    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE ledger_transaction SET {assignment} WHERE id = %s", [txn.pk])

    assert (stored(txn), Transaction.objects.filter(pk=txn.pk).values_list("kind", "created_at").get()) == before


def test_the_database_lets_an_erasure_through_in_raw_sql(accounts):
    txn = pay(*accounts, memo="Loyer de Camille")
    digest = stored(txn)[4]

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_transaction SET memo = '', memo_salt = '' WHERE id = %s", [txn.pk])

    assert stored(txn) == ("", None, None, "", digest)


def test_an_erased_memo_cannot_get_a_salt_back(accounts):
    txn = pay(*accounts, memo="Loyer de Camille")
    services.transaction_memo_erase(transaction=txn, memo="", memo_params=None)
    before = stored(txn)

    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_transaction SET memo_salt = 'aa' WHERE id = %s", [txn.pk])

    assert stored(txn) == before


def test_a_sealed_legacy_row_cannot_be_given_a_commitment(accounts):
    txn = pay(*accounts, memo="Loyer de Camille")
    make_legacy(txn)
    seal_pending(now=later())

    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_transaction SET memo_salt = 'aa', memo_digest = 'bb' WHERE id = %s", [txn.pk])

    assert stored(txn) == ("Loyer de Camille", None, None, "", "")


@requires_postgresql()
def test_deleting_a_transaction_stays_refused(accounts):
    txn = pay(*accounts, memo="Loyer de Camille")

    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_entry WHERE transaction_id = %s", [txn.pk])
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_transaction WHERE id = %s", [txn.pk])

    assert Transaction.objects.filter(pk=txn.pk).exists()


# --- holds ------------------------------------------------------------------------------------------------


def test_a_resolved_holds_memo_can_be_erased_and_nothing_else(accounts):
    payer, payee = accounts
    hold = services.hold_create(
        from_account=payer, to_account=payee, amount=Money("2", "HRS"), memo="Atelier de Camille", actor=None
    )
    services.hold_void(hold=hold, actor=None, flow=True)

    services.hold_memo_erase(hold=hold, memo="", memo_params=None)

    assert Hold.objects.filter(pk=hold.pk).values_list("memo", "memo_params", "status").get() == ("", None, "voided")
    assert hold.memo == ""
    before = Hold.objects.filter(pk=hold.pk).values_list("memo", "status", "amount", "captured_amount").get()
    for assignment in ["status = 'pending', resolved_at = NULL", "amount = 1", "memo = 'x', amount = 1"]:
        with refused("a hold resolves once"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE ledger_hold SET {assignment} WHERE id = %s", [hold.pk])
    assert Hold.objects.filter(pk=hold.pk).values_list("memo", "status", "amount", "captured_amount").get() == before
    assert verify_ledger().ok


def test_a_pending_holds_memo_can_be_erased(accounts):
    payer, payee = accounts
    hold = services.hold_create(
        from_account=payer,
        to_account=payee,
        amount=Money("2", "HRS"),
        memo=memos.memo(RECONVERSION, id=1, member="Camille"),
        actor=None,
    )

    services.hold_memo_erase(hold=hold, memo="", memo_params={"id": 1, "member": "Membre"})

    assert Hold.objects.filter(pk=hold.pk).values_list("memo_code", "memo_params", "status").get() == (
        RECONVERSION,
        {"id": 1, "member": "Membre"},
        "pending",
    )


# --- audit events ------------------------------------------------------------------------------------------


def test_an_audit_events_reason_and_details_can_be_redacted_and_nothing_else(accounts):
    payer, _ = accounts
    event = audit_record(
        actor=None, action="account.freeze", target=payer, reason="Camille Dupont asked", email="c@example.org"
    )

    services.audit_event_redact(event=event, reason="", details={"email": ""})

    row = ("account.freeze", "ledger.account", str(payer.pk), "", {"email": ""})
    fields = ("action", "object_type", "object_id", "reason", "details")
    assert AuditEvent.objects.filter(pk=event.pk).values_list(*fields).get() == row
    for assignment in [
        "action = 'x'",
        "object_id = '0'",
        "created_at = '2020-01-01 00:00:00'",
        "reason = '', action = 'y'",
    ]:
        with refused(), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE ledger_auditevent SET {assignment} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).values_list(*fields).get() == row


@requires_postgresql()
def test_deleting_an_audit_event_stays_refused(accounts):
    event = audit_record(actor=None, action="account.freeze", target=accounts[0])

    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_auditevent WHERE id = %s", [event.pk])

    assert AuditEvent.objects.filter(pk=event.pk).exists()
