"""Faults: workers killed mid-task, a broker that goes away, a connection dropped mid-posting.

Celery runs with acks_late and reject_on_worker_lost: a task whose worker dies is handed out again
(Redis gives the unacknowledged message back after CELERY_VISIBILITY_TIMEOUT), and the beat sends
every periodic task again anyway. So each periodic task must be safe to run twice, concurrently,
or again after dying half-way. Here real `celery worker` processes are SIGKILLed at random points
while they work through demurrage, hold expiry, a campaign's closing and the sealing of the
ledger; a fresh worker finishes the job; every effect must have happened exactly once.
"""

from __future__ import annotations

import datetime
import itertools
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from django.core import mail
from django.db import connection
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money
from rest_framework.test import APIClient

from core.models import IdempotencyRecord
from crowdfunding.models import Campaign, CampaignUpdate, Pledge
from crowdfunding.notifications import campaign_updates_catch_up
from crowdfunding.services.pledges import pledge_create
from crowdfunding.services.updates import campaign_update_post
from currency.models import DemurrageCharge
from currency.services.demurrage import demurrage_amount, demurrage_apply, demurrage_due_period
from ledger import services
from ledger.export_requests import export_request
from ledger.exports import exports_catch_up
from ledger.models import Account, Entry, ExportJob, Hold, Seal, Transaction
from ledger.verification import verify_ledger
from members.models import Member
from tests.conftest import account_of
from tests.crowdfunding.helpers import live_campaign, moderator
from tests.currency.funding import give_ach

from .faults import PROCESS_TEST_MARKS, PrivateRedis, Worker, client_for, wait_until

pytestmark = PROCESS_TEST_MARKS

SEED = 20261127
BACKERS = 160
KILLS_PER_TASK = 3
# Demurrage and a campaign's pledges go in chunks of this many, one transaction each: small
# enough here for a kill to land between chunks (500 in production).
CHUNK = 10
WORKER_ENVIRONMENT = {
    # The unacknowledged message of a killed worker comes back after 2 s instead of an hour.
    "CELERY_VISIBILITY_TIMEOUT": "2",
    # Seal what exists at once, 40 transactions a seal: a long chain for the kills to interrupt.
    "LEDGER_SEAL_LAG_SECONDS": "0",
    "LEDGER_SEAL_MAX_TRANSACTIONS": "40",
}


@dataclass
class Crash:
    task: str
    total: int
    kills: int = 0
    mid_work: int = 0  # kills that landed with part of the work done and part not


@pytest.fixture
def redis():
    server = PrivateRedis().start()
    yield server
    server.kill()


def crash_and_recover(
    redis: PrivateRedis,
    task: str,
    progress: Callable[[], int],
    total: int,
    rng: random.Random,
    kwargs: dict[str, Any] | None = None,
) -> Crash:
    """Start a worker, send the task, SIGKILL the worker a random moment after the work began;
    KILLS_PER_TASK times. Then a fresh worker and the task sent again, as the beat would, until done.
    `kwargs` go with the task (a chunk size small enough for the kills to land between chunks)."""
    crash = Crash(task=task, total=total)
    sender = client_for(redis.url)

    class Client:
        def send(self, name: str) -> None:
            with sender.app.connection_for_write(sender.broker_url) as broker:
                sender.app.send_task(name, kwargs=kwargs or {}, connection=broker)

        def close(self) -> None:
            sender.close()

    client = Client()
    try:
        for _ in range(KILLS_PER_TASK):
            worker = Worker(redis.url, **WORKER_ENVIRONMENT).start()
            try:
                before = progress()
                if before >= total:
                    break
                client.send(task)
                wait_until(lambda before=before: progress() > before, timeout=30, step=0.01)
                time.sleep(rng.uniform(0, 0.4))
                done_at_kill = progress()
            finally:
                worker.kill()
            crash.kills += 1
            crash.mid_work += 0 < done_at_kill < total
        worker = Worker(redis.url, **WORKER_ENVIRONMENT).start()
        try:
            client.send(task)
            finished = wait_until(lambda: progress() >= total, timeout=60, step=0.1)
            assert finished, f"{task}: {progress()}/{total} after recovery\n{worker.output()[-3000:]}"
        finally:
            # Warm shutdown: a redelivered twin still running finishes before the checks.
            worker.stop()
    finally:
        client.close()
    return crash


def _members(make_member: Callable[..., Member], count: int, prefix: str) -> list[Member]:
    return [make_member(username=f"{prefix}{i}") for i in range(count)]


def test_killed_workers_leave_every_periodic_effect_done_exactly_once(redis, make_member):
    rng = random.Random(SEED)
    backers = _members(make_member, BACKERS, "backer")
    owner, shop = _members(make_member, 2, "owner")
    for backer in backers:
        give_ach(backer, "300")
    campaign = live_campaign(owner, goal="1000", unit="ACH")
    for backer in backers:
        pledge_create(campaign=campaign, backer=backer, amount=Money("10", "ACH"), actor=backer.user)
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    holds = [
        services.hold_create(
            from_account=account_of(backer, "ACH"),
            to_account=account_of(shop, "ACH"),
            amount=Money("5", "ACH"),
            actor=None,
            expires_at=tomorrow,
        ).pk
        for backer in backers
    ]
    # Due now (a pending hold's deadline may move; its terms may not).
    Hold.objects.filter(pk__in=holds).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    crashes = []

    # 1. Hold expiry: each due hold expires once, nothing is posted, nothing stays held.
    crashes.append(
        crash_and_recover(
            redis,
            "ledger.tasks.holds_expire_due",
            lambda: Hold.objects.filter(pk__in=holds, status=Hold.Status.EXPIRED).count(),
            len(holds),
            rng,
        )
    )
    assert Hold.objects.filter(pk__in=holds, resolved_at__isnull=False).count() == len(holds)

    # 2. Demurrage: each account charged once for the period that just ended, exactly what was due.
    period = demurrage_due_period("ACH", timezone.localdate())
    ach = list(Account.objects.filter(kind=Account.Kind.MEMBER, unit="ACH", holder__in=backers).order_by("pk"))
    due_charges = {account.pk: demurrage_amount("ACH", account) for account in ach}
    balances_before = {account.pk: account.balance for account in ach}
    charged = [pk for pk, amount in due_charges.items() if amount > 0]
    assert len(charged) == BACKERS  # 300 ACH each, above the exemption
    crashes.append(
        crash_and_recover(
            redis,
            "currency.tasks.demurrage_apply_due",
            lambda: DemurrageCharge.objects.filter(period=period).count(),
            len(charged),
            rng,
            kwargs={"chunk_size": CHUNK},
        )
    )
    assert demurrage_apply(unit="ACH") == 0  # a further run finds nothing due
    assert DemurrageCharge.objects.filter(period=period).count() == len(charged)
    assert Transaction.objects.filter(idempotency_key__startswith=f"demurrage:ACH:{period}:").count() == len(charged)
    for account in Account.objects.filter(pk__in=charged):
        assert account.balance == balances_before[account.pk] - due_charges[account.pk]
    fund = services.system_account(Account.SystemCode.DEMURRAGE_FUND, "ACH")
    fund.refresh_from_db()
    assert fund.balance == sum(due_charges.values())

    # 3. The campaign's closing: each pledge collected once, one payout to the owner less the fee.
    owner_before = account_of(owner, "ACH").balance
    crashes.append(
        crash_and_recover(
            redis,
            "crowdfunding.tasks.campaigns_advance",
            lambda: (
                Pledge.objects.filter(campaign=campaign, status=Pledge.Status.CAPTURED).count()
                + Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.PAID_OUT).count()
            ),
            BACKERS + 1,
            rng,
            kwargs={"chunk_size": CHUNK},
        )
    )
    campaign.refresh_from_db()
    raised = BACKERS * 1000
    assert (campaign.status, campaign.payout_amount + campaign.fee_amount) == (Campaign.Status.PAID_OUT, raised)
    assert Transaction.objects.filter(idempotency_key=f"campaign:{campaign.pk}:payout").count() == 1
    assert account_of(owner, "ACH").balance == owner_before + campaign.payout_amount
    campaign.escrow_account.refresh_from_db()
    assert (campaign.escrow_account.balance, campaign.escrow_account.held) == (0, 0)
    for backer in backers:
        backer_ach = account_of(backer, "ACH")
        assert backer_ach.held == 0
        assert backer_ach.balance == 30000 - due_charges[backer_ach.pk] - 1000

    # 4. Sealing: every transaction under exactly one seal, the chain unbroken.
    transactions = Transaction.objects.count()
    crashes.append(
        crash_and_recover(
            redis,
            "ledger.tasks.seal_ledger",
            lambda: Seal.objects.aggregate(n=Sum("transaction_count"))["n"] or 0,
            transactions,
            rng,
        )
    )
    seals = list(Seal.objects.order_by("sequence"))
    assert [seal.sequence for seal in seals] == list(range(1, len(seals) + 1))
    assert all(a.last_transaction_id < b.first_transaction_id for a, b in itertools.pairwise(seals))
    assert sum(seal.transaction_count for seal in seals) == transactions

    report = verify_ledger()
    assert report.ok, report.discrepancies
    kills = sum(crash.kills for crash in crashes)
    mid_work = sum(crash.mid_work for crash in crashes)
    print(f"\nfaults: {kills} worker kills ({mid_work} mid-work) over {[c.task for c in crashes]}")
    # The kills must have hit work in progress, or the test proved nothing.
    assert mid_work >= len(crashes)


# --- the broker goes away ---------------------------------------------------------------------


def _posting_client(member: Member) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=member.user)
    return client


@pytest.fixture
def broker_of_our_own(redis, monkeypatch):
    """Point the project's Celery app at the private Redis for the test, then back (Celery reads
    CELERY_BROKER_URL from the environment before its configuration)."""
    from config.celery import app

    def reconnect() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None

    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    reconnect()
    assert app.conf.broker_url == redis.url
    yield redis
    monkeypatch.undo()
    reconnect()


def test_with_the_broker_down_the_web_keeps_posting_and_the_work_catches_up_when_it_returns(
    broker_of_our_own, make_member
):
    redis = broker_of_our_own
    alice, bruno, owner = _members(make_member, 3, "down")
    give_ach(alice, "100")
    alice.user.email = "alice@bocage.test"
    alice.user.save(update_fields=["email"])
    campaign = live_campaign(owner, goal="50", unit="ACH")
    pledge_create(campaign=campaign, backer=alice, amount=Money("60", "ACH"), actor=alice.user)
    auditor = moderator()
    redis.kill()

    # Payments go on: the ledger needs no broker.
    response = _posting_client(alice).post(
        "/api/transfers/",
        {"from_account": account_of(alice, "ACH").pk, "to_account": account_of(bruno, "ACH").pk, "amount": "12.50"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.content
    assert account_of(bruno, "ACH").balance == 1250
    # An auditor's export and the owner's news are recorded; their tasks could not be sent.
    job = export_request(kind=ExportJob.Kind.FEC, parameters={"year": timezone.localdate().year}, actor=auditor)
    update = campaign_update_post(
        campaign=campaign, title="Les machines arrivent", body="La découpeuse est là.", actor=owner.user
    )
    page = APIClient()
    page.force_login(auditor)
    assert page.post(reverse("campaign-close-now", args=[campaign.pk])).status_code == 302
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.QUEUED
    assert CampaignUpdate.objects.get(pk=update.pk).delivered_at is None
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))

    # The broker returns (empty: what it held died with it); a worker and the beat's next ticks.
    redis.start()
    client = client_for(redis.url)
    worker = Worker(redis.url, **WORKER_ENVIRONMENT).start()
    try:
        for task in ("crowdfunding.tasks.campaigns_advance", "ledger.tasks.holds_expire_due"):
            client.send(task)
        assert wait_until(
            lambda: Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.PAID_OUT).exists(), timeout=90
        ), worker.output()[-3000:]
    finally:
        worker.stop()
        client.close()
    # The sweeps (beat, every 5 minutes) take what is older than their threshold.
    assert exports_catch_up(older_than_seconds=0) == 1
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.DONE
    mail.outbox.clear()
    assert campaign_updates_catch_up(older_than_seconds=0) == 1  # alice, the one backer
    assert [message.to for message in mail.outbox] == [["alice@bocage.test"]]
    assert CampaignUpdate.objects.get(pk=update.pk).delivered_at is not None
    assert campaign_updates_catch_up(older_than_seconds=0) == 0
    assert exports_catch_up(older_than_seconds=0) == 0
    assert verify_ledger().ok


# --- the database connection drops in the middle of a posting -----------------------------------

SLOW_ENTRY_TRIGGER = """
CREATE OR REPLACE FUNCTION bocage_test_slow_entry() RETURNS trigger AS $$
BEGIN PERFORM pg_sleep(0.5); RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER bocage_test_slow_entry AFTER INSERT ON ledger_entry
FOR EACH ROW EXECUTE FUNCTION bocage_test_slow_entry();
"""


def _admin_connection() -> psycopg.Connection:
    params = connection.settings_dict
    return psycopg.connect(
        host=params.get("HOST") or "127.0.0.1",
        port=params.get("PORT") or 5432,
        user=params.get("USER") or "postgres",
        dbname=params["NAME"],
        autocommit=True,
    )


def test_a_connection_dropped_mid_posting_writes_nothing_and_the_retry_posts_once(make_member):
    alice, bruno = _members(make_member, 2, "cut")
    give_ach(alice, "100")
    payer, payee = account_of(alice, "ACH"), account_of(bruno, "ACH")
    counts_before = (Transaction.objects.count(), Entry.objects.count())
    client = _posting_client(alice)
    key = str(uuid.uuid4())
    body = {"from_account": payer.pk, "to_account": payee.pk, "amount": "30"}
    backend_pid = connection.cursor().connection.info.backend_pid

    with _admin_connection() as admin:
        admin.execute(SLOW_ENTRY_TRIGGER)
        killed = threading.Event()

        def cut_when_the_posting_has_written() -> None:
            # backend_xid is set once the transaction has written a row: the posting is half-way.
            with _admin_connection() as watcher:
                for _ in range(400):
                    row = watcher.execute(
                        "SELECT backend_xid IS NOT NULL FROM pg_stat_activity WHERE pid = %s", [backend_pid]
                    ).fetchone()
                    if row and row[0]:
                        watcher.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
                        killed.set()
                        return
                    time.sleep(0.01)

        cutter = threading.Thread(target=cut_when_the_posting_has_written)
        cutter.start()
        try:
            response = client.post("/api/transfers/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        finally:
            cutter.join()
            admin.execute("DROP TRIGGER bocage_test_slow_entry ON ledger_entry")
            admin.execute("DROP FUNCTION bocage_test_slow_entry()")

    assert killed.is_set()
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "database_unavailable"
    assert response["Retry-After"] == "5"
    # Nothing half-written: no transaction, no entry, balances untouched, the key free again.
    connection.close()
    assert (Transaction.objects.count(), Entry.objects.count()) == counts_before
    payer.refresh_from_db()
    payee.refresh_from_db()
    assert (payer.balance, payer.held, payee.balance) == (10000, 0, 0)
    assert not IdempotencyRecord.objects.filter(key=key).exists()

    # The retry with the same key posts once; the one after it is a replay.
    retry = client.post("/api/transfers/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert retry.status_code == 201, retry.content
    again = client.post("/api/transfers/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.json()["id"] == retry.json()["id"]
    assert Transaction.objects.count() == counts_before[0] + 1
    payer.refresh_from_db()
    payee.refresh_from_db()
    assert (payer.balance, payee.balance) == (7000, 3000)
    assert verify_ledger().ok
