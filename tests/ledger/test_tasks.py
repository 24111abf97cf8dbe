"""The periodic ledger task: expiring due holds, once, however often it runs."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.utils import timezone
from djmoney.money import Money
from kombu import Exchange, Queue

from config.celery import app as celery_app
from ledger import services
from ledger.models import Account, Hold, Transaction
from ledger.tasks import holds_expire_due
from tests.conftest import account_of


def holds_due_in_a_moment(make_member) -> tuple[Account, Hold, Hold]:
    """Alice holds 3 h towards Bruno, due in under a second, and 5 h due tomorrow."""
    payer = account_of(make_member(username="alice"), "HRS")
    payee = account_of(make_member(username="bruno"), "HRS")
    deadline = timezone.now() + timedelta(milliseconds=500)
    soon = services.hold_create(
        from_account=payer, to_account=payee, amount=Money("3", "HRS"), actor=None, expires_at=deadline
    )
    later = services.hold_create(
        from_account=payer,
        to_account=payee,
        amount=Money("5", "HRS"),
        actor=None,
        expires_at=timezone.now() + timedelta(days=1),
    )
    payer.refresh_from_db()
    assert (payer.held, payer.available) == (800, 1200)
    # The task reads the clock itself: wait until the first deadline has passed.
    time.sleep(max(0.0, (deadline - timezone.now()).total_seconds()) + 0.05)
    return payer, soon, later


@pytest.mark.django_db
def test_the_task_run_twice_expires_a_due_hold_once(make_member):
    payer, soon, later = holds_due_in_a_moment(make_member)

    first = holds_expire_due.apply()
    second = holds_expire_due.apply()

    assert (first.successful(), first.result) == (True, 1)
    assert (second.successful(), second.result) == (True, 0)
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.status, later.status) == (Hold.Status.EXPIRED, Hold.Status.PENDING)
    payer.refresh_from_db()
    assert (payer.balance, payer.held, payer.available) == (0, 500, 1500)
    assert Transaction.objects.count() == 0


@pytest.mark.skipif(
    not django_settings.CELERY_BROKER_URL.startswith("redis://"),
    reason="a real worker needs the Redis broker (CELERY_BROKER_URL=redis://…)",
)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_expires_a_due_hold_sent_through_the_broker(make_member):
    payer, soon, later = holds_due_in_a_moment(make_member)
    # A queue of its own: another test run sharing the broker can neither take nor leave work here.
    queue = f"test-ledger-{uuid.uuid4().hex}"

    try:
        with start_worker(celery_app, perform_ping_check=False, pool="solo", queues=[queue], shutdown_timeout=30):
            holds_expire_due.apply_async(queue=queue)
            give_up_at = time.monotonic() + 20
            while Hold.objects.get(pk=soon.pk).status == Hold.Status.PENDING and time.monotonic() < give_up_at:
                time.sleep(0.1)
    finally:
        # Declared here so that this channel knows the bindings it must remove with the queue.
        with celery_app.connection_for_write() as broker:
            bound = Queue(queue, Exchange(queue), routing_key=queue)(broker.default_channel)
            bound.declare()
            bound.delete()

    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.status, later.status) == (Hold.Status.EXPIRED, Hold.Status.PENDING)
    assert soon.resolved_at is not None
    payer.refresh_from_db()
    assert (payer.balance, payer.held, payer.available) == (0, 500, 1500)
    assert Transaction.objects.count() == 0
