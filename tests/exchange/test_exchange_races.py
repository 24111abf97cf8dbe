"""Real threads on PostgreSQL: a hold resolves exactly once whoever races to resolve it."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from exchange.errors import TransitionNotAllowed
from exchange.models import Exchange, ExchangeEvent
from exchange.services import exchanges as services
from ledger.kinds import HOLD_CAPTURE
from ledger.models import Hold, Transaction
from tests.conftest import requires_postgresql
from tests.exchange.test_exchange_support import listing_of, money_of, propose

pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]
S = Exchange.Status


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = calls[index]()
        except Exception as exc:  # collected and asserted below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _delivered(make_member) -> tuple[Exchange, Any, Any]:
    seller = make_member(username="potier")
    buyer = make_member(username="cliente")
    exchange = services.exchange_accept(exchange=propose(listing_of(seller, price=3000), buyer), actor=seller.user)
    return services.exchange_deliver(exchange=exchange, actor=seller.user), seller, buyer


def test_two_confirmations_at_once_capture_the_hold_exactly_once(make_member):
    exchange, seller, buyer = _delivered(make_member)
    outcomes = _race([lambda: services.exchange_confirm(exchange=exchange, actor=buyer.user)] * 4)
    assert [getattr(outcome, "status", outcome) for outcome in outcomes] == [S.COMPLETED] * 4
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1
    assert Hold.objects.get().status == Hold.Status.CAPTURED
    assert ExchangeEvent.objects.filter(exchange=exchange, to_status=S.COMPLETED).count() == 1
    assert money_of(buyer, "GRN") == (-3000, 0, 47000)
    assert money_of(seller, "GRN") == (3000, 0, 53000)


def test_delivery_racing_two_cancellations_leaves_one_consistent_outcome(make_member):
    seller = make_member(username="menuisier")
    buyer = make_member(username="client")
    exchange = services.exchange_accept(exchange=propose(listing_of(seller, price=3000), buyer), actor=seller.user)
    cancel_by_buyer, deliver, cancel_by_seller = _race(
        [
            lambda: services.exchange_cancel(exchange=exchange, actor=buyer.user),
            lambda: services.exchange_deliver(exchange=exchange, actor=seller.user),
            lambda: services.exchange_cancel(exchange=exchange, actor=seller.user),
        ]
    )
    exchange.refresh_from_db()
    hold = Hold.objects.get()
    if exchange.status == S.CANCELLED:
        assert isinstance(deliver, TransitionNotAllowed)
        assert [cancel_by_buyer.status, cancel_by_seller.status] == [S.CANCELLED, S.CANCELLED]
        assert hold.status == Hold.Status.VOIDED
        assert money_of(buyer, "GRN") == (0, 0, 50000)
    else:
        assert (exchange.status, hold.status, deliver.status) == (S.DELIVERED, Hold.Status.PENDING, S.DELIVERED)
        assert isinstance(cancel_by_buyer, TransitionNotAllowed)
        assert isinstance(cancel_by_seller, TransitionNotAllowed)
        assert money_of(buyer, "GRN") == (0, 3000, 47000)
    assert Transaction.objects.count() == 0


def test_auto_capture_run_twice_and_concurrently_posts_once(make_member):
    exchange, seller, _buyer = _delivered(make_member)
    Exchange.objects.filter(pk=exchange.pk).update(auto_capture_at=timezone.now() - datetime.timedelta(seconds=1))
    outcomes = _race([services.exchanges_auto_capture_due] * 3)
    assert sorted(outcomes) == [0, 0, 1]
    assert services.exchanges_auto_capture_due() == 0
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1
    assert money_of(seller, "GRN") == (3000, 0, 53000)


def test_auto_capture_racing_the_buyers_confirmation_posts_once(make_member):
    exchange, _seller, buyer = _delivered(make_member)
    Exchange.objects.filter(pk=exchange.pk).update(auto_capture_at=timezone.now() - datetime.timedelta(seconds=1))
    outcomes = _race(
        [services.exchanges_auto_capture_due, lambda: services.exchange_confirm(exchange=exchange, actor=buyer.user)]
    )
    assert not any(isinstance(outcome, Exception) for outcome in outcomes)
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1
    assert Exchange.objects.get(pk=exchange.pk).status == S.COMPLETED


def test_two_acceptances_at_once_hold_once(make_member):
    seller = make_member(username="maraicher")
    buyer = make_member(username="cuisinier")
    exchange = propose(listing_of(seller, price=3000), buyer)
    outcomes = _race([lambda: services.exchange_accept(exchange=exchange, actor=seller.user)] * 3)
    assert [getattr(outcome, "status", outcome) for outcome in outcomes] == [S.ACCEPTED] * 3
    assert Hold.objects.count() == 1
    assert money_of(buyer, "GRN") == (0, 3000, 47000)
