"""Faults in the batched beats: real `celery worker` processes SIGKILLed while they pay standing
orders and settle bookings chunk by chunk (PostgreSQL + a private Redis). Each chunk is one
transaction: a kill loses at most the chunk under way, the task comes back (acks_late) and the
rerun finds the committed chunks done. Every period is paid once, every hold captured once."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone
from djmoney.money import Money

from core.models import Notification
from ledger.kinds import HOLD_CAPTURE, STANDING_ORDER
from ledger.models import Hold, StandingOrderExecution, Transaction
from ledger.services import standing_order_create
from ledger.verification import verify_ledger
from places.models import Booking
from places.services import booking_create
from tests.factories import account_of, fund
from tests.places.booking_setup import booking_day, funded_member, local, make_place, make_resource, place_state
from tests.places.test_booking_credits import carnet

from .faults import PROCESS_TEST_MARKS, PrivateRedis, Worker, client_for, wait_until

pytestmark = [*PROCESS_TEST_MARKS, pytest.mark.postgresql]

KILLS = 2
CHUNK = 2  # small chunks: many commits, so a kill right after the first lands mid-work
WORKER_ENVIRONMENT = {"CELERY_VISIBILITY_TIMEOUT": "2"}


@pytest.fixture
def redis():
    server = PrivateRedis().start()
    yield server
    server.kill()


def crash_and_recover(redis: PrivateRedis, task: str, progress: Callable[[], int], total: int) -> int:
    """Send the task (chunks of CHUNK) to a worker and SIGKILL it once part of the work is committed,
    KILLS times; then a fresh worker and the task again, as the beat would, until all is done.
    Returns how many kills landed mid-work."""
    client = client_for(redis.url)

    def send() -> None:
        with client.app.connection_for_write(redis.url) as broker:
            client.app.send_task(task, kwargs={"chunk_size": CHUNK}, connection=broker)

    mid_work = 0
    try:
        for _ in range(KILLS):
            worker = Worker(redis.url, **WORKER_ENVIRONMENT).start()
            try:
                before = progress()
                if before >= total:
                    break
                send()
                # Killed as soon as a first chunk is seen committed (polled every 10 ms): a chunk is a
                # database transaction of several statements, so the job's later chunks are not done
                # yet. A random pause here let a fast worker finish the whole job before the kill.
                wait_until(lambda before=before: progress() > before, timeout=60, step=0.01)
                done_at_kill = progress()
            finally:
                worker.kill()
            mid_work += 0 < done_at_kill < total
        worker = Worker(redis.url, **WORKER_ENVIRONMENT).start()
        try:
            send()
            finished = wait_until(lambda: progress() >= total, timeout=120, step=0.1)
            assert finished, f"{task}: {progress()}/{total} after recovery\n{worker.output()[-3000:]}"
        finally:
            worker.stop()
    finally:
        client.close()
    return mid_work


def test_killed_workers_pay_each_standing_order_period_and_capture_each_booking_hold_once(redis, make_member):
    # Standing orders: 24 payers, 3 monthly periods due each after downtime; the last payer can pay 2.
    shop = make_member(username="shop")
    payers = [make_member(username=f"payer{i}") for i in range(24)]
    for payer in payers[:-1]:
        fund(account_of(payer, "ACH"), "10.00")
    fund(account_of(payers[-1], "ACH"), "2.00")
    today = timezone.localdate()
    start = (today.replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
    orders = [
        standing_order_create(
            from_account=account_of(payer, "ACH"),
            to_account=account_of(shop, "ACH"),
            amount=Money("1.00", "ACH"),
            period="monthly",
            day=1,
            start=start,
            actor=None,
            today=start,
        )
        for payer in payers
    ]
    periods = 3  # the 1st of start's month, of the next, and of this one
    total = len(orders) * periods
    mid_work = crash_and_recover(
        redis,
        "ledger.tasks.standing_orders_run_due",
        lambda: StandingOrderExecution.objects.filter(order__in=orders).count(),
        total,
    )
    executions = StandingOrderExecution.objects.filter(order__in=orders)
    assert sorted(executions.values_list("status", flat=True)).count("paid") == total - 1
    assert executions.filter(status="missed", reason="insufficient_funds", order=orders[-1]).count() == 1
    assert Transaction.objects.filter(kind_id=STANDING_ORDER).count() == total - 1
    assert [account_of(payer, "ACH").balance for payer in payers] == [700] * 23 + [0]
    assert account_of(shop, "ACH").balance == (total - 1) * 100
    assert Notification.objects.filter(kind="standing_order_missed").count() == 2  # the payer and the shop, once
    for order in orders:
        order.refresh_from_db()
        assert order.next_due > today

    # Bookings: 16 ended on an open space (12 paid in money, 4 in day credits of a carnet).
    place = make_place()
    desks = make_resource(place, "Open space", capacity=16)
    members = [funded_member(f"coworker{i}") for i in range(16)]
    carnets = [carnet(member, place, kind="desk") for member in members[12:]]
    day = booking_day(3)
    bookings = [
        booking_create(resource=desks, member=member, start=local(day, 9), end=local(day, 12), actor=member.user)
        for member in members
    ]
    # Ended two hours ago (a booking's times may move here; its holds' terms stay).
    shift = local(day, 12) - (timezone.now() - datetime.timedelta(hours=2))
    for booking in bookings:
        Booking.objects.filter(pk=booking.pk).update(
            start=booking.start - shift, end=booking.end - shift, blocks_until=booking.blocks_until - shift
        )
    mid_work += crash_and_recover(
        redis,
        "places.tasks.bookings_settle",
        lambda: Booking.objects.filter(pk__in=[b.pk for b in bookings], status=Booking.Status.COMPLETED).count(),
        len(bookings),
    )
    assert [account_of(member, "ACH").balance for member in members] == [10000 - 900] * 12 + [10000] * 4
    assert place_state(place).balance == 12 * 900 and place_state(place).held == 0
    assert [(account.balance - 0, account.held) for account in _refreshed(carnets)] == [(900, 0)] * 4
    assert Transaction.objects.filter(kind_id=HOLD_CAPTURE).count() == 16
    assert Hold.objects.filter(status=Hold.Status.CAPTURED).count() == 16

    assert verify_ledger().ok
    print(f"\nbatched faults: {mid_work} kills mid-work")
    assert mid_work >= 1


def _refreshed(accounts):
    for account in accounts:
        account.refresh_from_db()
    return accounts
