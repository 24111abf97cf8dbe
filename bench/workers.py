"""Timed workers in separate processes: the psycopg floor and the Django posting path.

Each worker process waits at a barrier, then posts transfers for `seconds`, each in its own
committed transaction, and reports how many it made. Processes (fork), not threads: the
question is what the database allows, and one Python process would be bound by its GIL.
The parent closes its connections before forking, so each worker opens its own.
"""

from __future__ import annotations

import multiprocessing
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections

TIMEOUT_MARGIN = 120.0


@dataclass
class RunSpec:
    """What a worker does: transfers between random spread accounts, or all into `hot_account_id`."""

    account_ids: list[int]
    hot_account_id: int | None
    seconds: float
    actor_id: int = 0
    conninfo: dict[str, Any] | None = None


@dataclass
class RateResult:
    workers: int
    transfers: int
    seconds: float
    errors: int

    @property
    def rate(self) -> float:
        return self.transfers / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "transfers": self.transfers,
            "seconds": round(self.seconds, 3),
            "errors": self.errors,
            "per_second": round(self.rate, 1),
        }


def _pair(rng: random.Random, spec: RunSpec) -> tuple[int, int]:
    payer = rng.choice(spec.account_ids)
    if spec.hot_account_id is not None:
        return payer, spec.hot_account_id
    payee = rng.choice(spec.account_ids)
    while payee == payer:
        payee = rng.choice(spec.account_ids)
    return payer, payee


# --- the floor: plain SQL through psycopg, no Django -----------------------------------------


def floor_worker(spec: RunSpec, seed: int, barrier: Any, results: Any) -> None:
    """Lock two accounts in id order, insert a transaction and two entries, move two balances, commit.

    On the real ledger tables of the bench database, so the same indexes, CHECKs, the entry chain
    trigger and the deferred invariant triggers run as for the service.
    """
    import psycopg

    rng = random.Random(seed)
    errors = done = 0
    assert spec.conninfo is not None
    with psycopg.connect(**spec.conninfo) as conn:
        barrier.wait()
        started = time.monotonic()
        deadline = started + spec.seconds
        while time.monotonic() < deadline:
            payer, payee = _pair(rng, spec)
            amount = rng.randint(1, 500)
            try:
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute(
                        "SELECT id, balance, held, min_balance, max_balance, status, unit FROM ledger_account"
                        " WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
                        [[payer, payee]],
                    )
                    rows = {row[0]: row for row in cur.fetchall()}
                    balance_payer, balance_payee = rows[payer][1] - amount, rows[payee][1] + amount
                    if rows[payer][3] is not None and balance_payer - rows[payer][2] < rows[payer][3]:
                        raise ValueError("insufficient funds")
                    cur.execute(
                        "INSERT INTO ledger_transaction (kind, memo, created_at, idempotency_key, request_hash)"
                        " VALUES ('transfer', '', now(), %s, '') RETURNING id",
                        [f"floor:{uuid.uuid4()}"],
                    )
                    row = cur.fetchone()
                    assert row is not None
                    txn_id = row[0]
                    cur.execute(
                        "INSERT INTO ledger_entry (transaction_id, account_id, unit, amount, balance_after)"
                        " VALUES (%s, %s, %s, %s, %s), (%s, %s, %s, %s, %s)",
                        [
                            txn_id,
                            payer,
                            rows[payer][6],
                            -amount,
                            balance_payer,
                            txn_id,
                            payee,
                            rows[payee][6],
                            amount,
                            balance_payee,
                        ],
                    )
                    cur.execute(
                        "UPDATE ledger_account SET balance = balance + CASE WHEN id = %s THEN %s ELSE %s END"
                        " WHERE id IN (%s, %s)",
                        [payer, -amount, amount, payer, payee],
                    )
                done += 1
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure, ValueError):
                errors += 1
        results.put((done, time.monotonic() - started, errors))


# --- the Django posting path ------------------------------------------------------------------


def single_worker(spec: RunSpec, seed: int, barrier: Any, results: Any) -> None:
    """transfer_create, one committed transaction per call, with an idempotency key like the API's."""
    from django.contrib.auth import get_user_model
    from djmoney.money import Money

    from core.errors import ApplicationError
    from ledger.selectors import accounts_with_holders
    from ledger.services import transfer_create

    rng = random.Random(seed)
    actor = get_user_model().objects.get(pk=spec.actor_id)
    ids = set(spec.account_ids) | ({spec.hot_account_id} if spec.hot_account_id else set())
    accounts = accounts_with_holders(ids)
    errors = done = 0
    barrier.wait()
    started = time.monotonic()
    deadline = started + spec.seconds
    while time.monotonic() < deadline:
        payer, payee = _pair(rng, spec)
        amount = Money(Decimal(rng.randint(1, 500)) / 100, accounts[payer].unit)
        try:
            transfer_create(
                from_account=accounts[payer],
                to_account=accounts[payee],
                amount=amount,
                actor=actor,
                idempotency_key=f"bench:{uuid.uuid4()}",
            )
            done += 1
        except ApplicationError:
            errors += 1
    connections.close_all()
    results.put((done, time.monotonic() - started, errors))


def run_parallel(
    target: Callable[[RunSpec, int, Any, Any], None], spec: RunSpec, workers: int, seed: int = 1
) -> RateResult:
    """Run `workers` processes of `target` together; their rates add up."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers)
    results = context.Queue()
    connections.close_all()  # a forked child must not share the parent's socket
    processes = [
        context.Process(target=target, args=(spec, seed * 1000 + i, barrier, results), daemon=True)
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=spec.seconds + TIMEOUT_MARGIN) for _ in processes]
    for process in processes:
        process.join(timeout=TIMEOUT_MARGIN)
    transfers = sum(done for done, _, _ in reports)
    seconds = max(elapsed for _, elapsed, _ in reports)
    errors = sum(failed for _, _, failed in reports)
    return RateResult(workers=workers, transfers=transfers, seconds=seconds, errors=errors)
