"""Seals: a chain over the transactions, in id order, that a sealer can extend but never fork."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from djmoney.money import Money

from ledger import services
from ledger.models import Entry, Seal, Transaction
from ledger.sealing import GENESIS_HASH, SEAL_LOCK_KEY, entry_line, seal_pending, transaction_line
from ledger.tasks import seal_ledger
from ledger.verification import verify_ledger
from tests.conftest import account_of, api_client_for, requires_postgresql
from tests.ledger.sealing_helpers import later, small_ledger


def canonical(txn: Transaction) -> bytes:
    """The documented canonical form (docs/SEALS.md), written out independently of ledger.sealing."""

    def text(value) -> str:
        if value is None:
            return ""
        return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n").replace("\r", "\\r")

    created = txn.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if txn.memo_digest:  # layout 2: the salted digest of the memo, the memo code in clear
        params = json.dumps(txn.memo_params or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        committed = f"{txn.memo_salt}|{text(txn.memo)}|{text(params) if txn.memo_code else ''}"
        assert txn.memo_digest == hashlib.sha256(committed.encode()).hexdigest()
        head = f"T2|{txn.pk}|{text(txn.kind_id)}|{created}|{txn.memo_digest}|"
        tail = f"|{text(txn.memo_code)}"
    else:
        head, tail = f"T|{txn.pk}|{text(txn.kind_id)}|{created}|{text(txn.memo)}|", ""
    lines = [f"{head}{text(txn.reverses_id)}|{text(txn.idempotency_key)}|{text(txn.actor_id)}{tail}\n"]
    for entry in Entry.objects.filter(transaction=txn).order_by("id"):
        lines.append(f"E|{entry.pk}|{entry.account_id}|{entry.unit}|{entry.amount}|{entry.balance_after}\n")
    return "".join(lines).encode()


def test_the_first_seal_hashes_the_documented_canonical_form_of_every_transaction(make_member):
    ledger = small_ledger(make_member)

    seal = seal_pending(now=later())

    expected = hashlib.sha256(GENESIS_HASH.encode() + b"".join(canonical(txn) for txn in ledger.transactions))
    assert seal is not None
    assert (seal.sequence, seal.previous_hash, seal.hash) == (1, GENESIS_HASH, expected.hexdigest())
    assert (seal.first_transaction_id, seal.last_transaction_id) == (
        ledger.transactions[0].pk,
        ledger.transactions[-1].pk,
    )
    assert (seal.transaction_count, seal.entry_count) == (3, 8)


def test_the_canonical_lines_escape_separators_and_write_utc_with_microseconds():
    moment = datetime(2026, 3, 1, 10, 30, tzinfo=UTC)
    line = transaction_line(7, "transfer", moment, "a|b\\c\nd\re", None, "key|1", 4)
    assert line == b"T|7|transfer|2026-03-01T10:30:00.000000Z|a\\|b\\\\c\\nd\\re||key\\|1|4\n"
    assert entry_line(13, 12, "HRS", -300, -300) == b"E|13|12|HRS|-300|-300\n"


def test_sealing_twice_seals_nothing_new(make_member):
    small_ledger(make_member)
    first = seal_pending(now=later())

    assert seal_pending(now=later()) is None
    assert list(Seal.objects.values_list("sequence", "hash")) == [(1, first.hash)]


def test_each_seal_links_to_the_previous_one_and_continues_its_range(make_member):
    ledger = small_ledger(make_member)
    first = seal_pending(now=later())
    fourth = services.transfer_create(
        from_account=ledger.bruno, to_account=ledger.alice, amount=Money("1", "HRS"), actor=None
    )

    second = seal_pending(now=later())

    assert second is not None
    assert (second.sequence, second.previous_hash) == (2, first.hash)
    assert (second.first_transaction_id, second.last_transaction_id) == (fourth.pk, fourth.pk)
    assert second.hash == hashlib.sha256(first.hash.encode() + canonical(fourth)).hexdigest()
    assert (second.transaction_count, second.entry_count) == (1, 2)


def test_transactions_younger_than_the_lag_wait_for_the_next_seal(make_member):
    ledger = small_ledger(make_member)
    moment = datetime.now(UTC) + timedelta(minutes=10)  # after every posting of small_ledger
    recent = services.transfer_create(
        from_account=ledger.bruno, to_account=ledger.alice, amount=Money("1", "HRS"), actor=None, at=moment
    )

    seal = seal_pending(now=moment + timedelta(seconds=29), lag_seconds=30)

    assert seal is not None and seal.last_transaction_id == ledger.transactions[-1].pk
    assert seal_pending(now=moment + timedelta(seconds=29), lag_seconds=30) is None
    assert seal_pending(now=moment + timedelta(seconds=31), lag_seconds=30).last_transaction_id == recent.pk


def test_a_seal_range_stops_before_the_first_recent_transaction_even_if_later_ones_look_old(make_member):
    ledger = small_ledger(make_member)
    moment = datetime.now(UTC) + timedelta(minutes=10)
    services.transfer_create(
        from_account=ledger.bruno, to_account=ledger.alice, amount=Money("1", "HRS"), actor=None, at=moment
    )
    services.transfer_create(
        from_account=ledger.bruno,
        to_account=ledger.alice,
        amount=Money("1", "HRS"),
        actor=None,
        at=moment - timedelta(hours=1),
    )

    seal = seal_pending(now=moment + timedelta(seconds=10), lag_seconds=30)

    assert seal.last_transaction_id == ledger.transactions[-1].pk


def test_a_large_backlog_is_sealed_in_batches_of_max_transactions(make_member):
    ledger = small_ledger(make_member)
    ids = [txn.pk for txn in ledger.transactions]

    first = seal_pending(now=later(), max_transactions=2)
    second = seal_pending(now=later(), max_transactions=2)

    assert (first.first_transaction_id, first.last_transaction_id, first.transaction_count) == (ids[0], ids[1], 2)
    assert (second.first_transaction_id, second.last_transaction_id, second.transaction_count) == (ids[2], ids[2], 1)
    assert seal_pending(now=later(), max_transactions=2) is None


def test_an_empty_ledger_has_nothing_to_seal(db):
    assert seal_pending(now=later()) is None
    assert Seal.objects.count() == 0


def test_the_periodic_task_seals_the_backlog_and_then_nothing(make_member, settings):
    settings.LEDGER_SEAL_LAG_SECONDS = 0
    small_ledger(make_member)

    assert seal_ledger() == 1
    assert seal_ledger() == 0
    assert Seal.objects.count() == 1


def test_the_transparency_api_and_page_publish_the_latest_seal(make_member, client):
    small_ledger(make_member)
    seal = seal_pending(now=later())

    data = api_client_for(None).get("/api/transparency/").json()
    page = client.get("/public/transparency/").content.decode()

    assert data["latest_seal"] == {
        "sequence": 1,
        "hash": seal.hash,
        "last_transaction_id": seal.last_transaction_id,
        "sealed_at": seal.sealed_at.isoformat(),
    }
    assert seal.hash in page


def _load_independent_script():
    path = Path(settings.BASE_DIR) / "scripts" / "recompute_seals.py"
    spec = importlib.util.spec_from_file_location("recompute_seals", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _database_target() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return str(params["NAME"])
    user, host, port = params["USER"] or "postgres", params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_independent_script_recomputes_the_same_hashes_as_the_application(make_member, capsys):
    ledger = small_ledger(make_member)
    first = seal_pending(now=later())
    services.transfer_create(from_account=ledger.bruno, to_account=ledger.alice, amount=Money("1", "HRS"), actor=None)
    second = seal_pending(now=later())
    capsys.readouterr()

    status = _load_independent_script().main(_database_target())

    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert lines == [f"1\t{first.hash}\t{first.hash}\tOK", f"2\t{second.hash}\t{second.hash}\tOK"]


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_sealers_racing_on_postgresql_leave_one_chain_without_a_fork(make_member):
    ledger = small_ledger(make_member)
    for _ in range(7):
        services.transfer_create(
            from_account=ledger.bruno, to_account=ledger.alice, amount=Money("0.1", "HRS"), actor=None
        )
    all_ids = list(Transaction.objects.order_by("id").values_list("id", flat=True))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    moment = later()

    def sealer() -> None:
        try:
            barrier.wait()
            while seal_pending(now=moment, max_transactions=3) is not None:
                pass
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sealer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    seals = list(Seal.objects.order_by("sequence"))
    assert errors == []
    assert [seal.sequence for seal in seals] == [1, 2, 3, 4]
    assert [seal.previous_hash for seal in seals] == [GENESIS_HASH] + [seal.hash for seal in seals[:-1]]
    assert [(seal.first_transaction_id, seal.last_transaction_id) for seal in seals] == [
        (all_ids[0], all_ids[2]),
        (all_ids[3], all_ids[5]),
        (all_ids[6], all_ids[8]),
        (all_ids[9], all_ids[9]),
    ]
    assert verify_ledger().ok


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_sealer_holding_its_lock_does_not_block_a_posting(make_member):
    ledger = small_ledger(make_member)
    locked, release = threading.Event(), threading.Event()

    def long_sealer() -> None:
        try:
            from django.db import transaction

            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=long_sealer)
    thread.start()
    locked.wait(5)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        posted = services.transfer_create(
            from_account=ledger.bruno, to_account=ledger.alice, amount=Money("1", "HRS"), actor=None
        )
    finally:
        release.set()
        thread.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert Transaction.objects.filter(pk=posted.pk).exists()


def test_the_seal_ledger_command_seals_then_finds_nothing_to_seal(make_member):
    from io import StringIO

    from django.core.management import call_command

    ledger = small_ledger(make_member)
    first, second = StringIO(), StringIO()

    call_command("seal_ledger", "--lag", "0", stdout=first)
    call_command("seal_ledger", "--lag", "0", stdout=second)

    seal = Seal.objects.get()
    ids = (ledger.transactions[0].pk, ledger.transactions[-1].pk)
    assert first.getvalue() == f"seal 1: transactions {ids[0]}–{ids[1]} (3), hash {seal.hash}\n"
    assert second.getvalue() == "Nothing to seal.\n"


class InFlightPosting:
    """A transfer posted in another connection, its transaction left open until commit() or rollback()."""

    def __init__(self, ledger) -> None:
        self.posted, self.finish = threading.Event(), threading.Event()
        self.commit = True
        self.errors: list[BaseException] = []
        self.transaction: Transaction | None = None
        self.thread = threading.Thread(target=self._run, args=(ledger,))

    def _run(self, ledger) -> None:
        from django.db import transaction

        class Rollback(Exception):
            pass

        try:
            with transaction.atomic():
                self.transaction = services.transfer_create(
                    from_account=ledger.alice, to_account=ledger.bruno, amount=Money("0.5", "HRS"), actor=None
                )
                self.posted.set()
                self.finish.wait(10)
                if not self.commit:
                    raise Rollback
        except Rollback:
            pass
        except BaseException as exc:  # reported to the main thread
            self.errors.append(exc)
        finally:
            self.posted.set()
            connection.close()

    def start(self) -> InFlightPosting:
        self.thread.start()
        self.posted.wait(10)
        return self

    def end(self, *, commit: bool) -> None:
        self.commit = commit
        self.finish.set()
        self.thread.join()
        assert self.errors == []


def unrelated_transfer(make_member) -> Transaction:
    """A transfer between two other members: it does not wait for the in-flight posting's locks."""
    chloe, david = make_member(username="chloe"), make_member(username="david")
    return services.transfer_create(
        from_account=account_of(chloe, "HRS"), to_account=account_of(david, "HRS"), amount=Money("1", "HRS"), actor=None
    )


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_posting_in_flight_below_a_committed_one_stops_the_sealer_until_it_ends(make_member, caplog):
    ledger = small_ledger(make_member)
    in_flight = InFlightPosting(ledger).start()
    try:
        # The in-flight posting holds the lower id; this one commits first with the next id.
        committed = unrelated_transfer(make_member)
        assert in_flight.transaction is not None and in_flight.transaction.pk < committed.pk

        with caplog.at_level(logging.WARNING, logger="bocage.sealing"):
            assert seal_pending(now=later(), wait_seconds=0) is None
        assert not Seal.objects.exists()
        assert [record.getMessage().split(":")[0] for record in caplog.records] == ["sealing postponed"]
    finally:
        in_flight.end(commit=True)

    seal = seal_pending(now=later(), wait_seconds=0)
    assert seal is not None
    assert (seal.first_transaction_id, seal.last_transaction_id) == (ledger.transactions[0].pk, committed.pk)
    assert seal.transaction_count == Transaction.objects.count() == 5  # the small ledger's 3, then these 2
    assert verify_ledger().ok


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("commit", [True, False], ids=["committed", "rolled-back"])
def test_a_sealer_waits_for_a_posting_in_flight_then_seals_it_or_its_gap(make_member, monkeypatch, commit):
    from ledger import sealing

    ledger = small_ledger(make_member)
    in_flight = InFlightPosting(ledger).start()
    committed = unrelated_transfer(make_member)
    waiting = threading.Event()
    real_sleep = sealing.time.sleep

    def sleep(seconds: float) -> None:
        waiting.set()  # the sealer found the posting in flight and waits for it
        real_sleep(seconds)

    monkeypatch.setattr(sealing.time, "sleep", sleep)
    seals: list[Seal | None] = []

    def sealer() -> None:
        try:
            seals.append(seal_pending(now=later(), wait_seconds=30))
        finally:
            connection.close()

    thread = threading.Thread(target=sealer)
    thread.start()
    try:
        assert waiting.wait(10)
    finally:
        in_flight.end(commit=commit)
        thread.join()

    [seal] = seals
    assert seal is not None and seal.last_transaction_id == committed.pk
    assert seal.transaction_count == Transaction.objects.count() == (5 if commit else 4)
    assert Transaction.objects.filter(pk=in_flight.transaction.pk).exists() is commit
    assert verify_ledger().ok


class OpenWriter:
    """A transaction holding a transaction id, left open on its own connection to `dbname`."""

    def __init__(self, dbname: str) -> None:
        import psycopg

        params = connection.settings_dict
        self.connection = psycopg.connect(
            host=params["HOST"] or None,
            port=params["PORT"] or None,
            user=params["USER"],
            password=params["PASSWORD"] or None,
            dbname=dbname,
        )
        # pg_current_xact_id() gives the transaction an id, as a posting's first lock or insert does.
        self.xid = self.connection.execute("SELECT pg_current_xact_id()::text").fetchone()[0]

    def __enter__(self) -> OpenWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.connection.rollback()
        self.connection.close()


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_long_transaction_in_another_database_of_the_cluster_does_not_postpone_the_seal(make_member, caplog):
    with OpenWriter("postgres") as elsewhere:
        # Postings committed after it: its id is below the newest one to end, so the cluster's snapshot lists it.
        ledger = small_ledger(make_member)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_snapshot_xip(pg_current_snapshot())::text")
            assert elsewhere.xid in {row[0] for row in cursor.fetchall()}

        with caplog.at_level(logging.WARNING, logger="bocage.sealing"):
            seal = seal_pending(now=later(), wait_seconds=0)

    assert seal is not None and seal.last_transaction_id == ledger.transactions[-1].pk
    assert caplog.records == []
    assert verify_ledger().ok


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_writer_in_this_database_that_took_its_id_after_the_last_commit_still_postpones_the_seal(make_member, caplog):
    ledger = small_ledger(make_member)
    with OpenWriter(connection.settings_dict["NAME"]):
        # Nothing ended after it took its id, so a snapshot's list of running transactions leaves it
        # out (it is past the snapshot's xmax): the sealer must see it all the same.
        with caplog.at_level(logging.WARNING, logger="bocage.sealing"):
            assert seal_pending(now=later(), wait_seconds=0) is None
        assert not Seal.objects.exists()
        assert [record.getMessage().split(":")[0] for record in caplog.records] == ["sealing postponed"]

    seal = seal_pending(now=later(), wait_seconds=0)
    assert seal is not None and seal.last_transaction_id == ledger.transactions[-1].pk
