"""The whole table: every status × every action × every role, on an offer (the buyer requested).

Allowed → the expected status and hold state; the same transition again → unchanged, no error;
anything else → refused (422 transition_not_allowed, or 404 for a stranger) and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.errors import ApplicationError
from exchange.errors import TransitionNotAllowed
from exchange.models import Exchange, ExchangeEvent
from exchange.services import exchanges as services
from exchange.services import transitions
from ledger.models import Hold
from tests.exchange.test_exchange_support import hold_of, listing_of, propose, snapshot

S = Exchange.Status
STATUSES = list(S.values)
ACTIONS = ["accept", "decline", "cancel", "deliver", "confirm", "dispute", "resolve"]
ROLES = ["buyer", "seller", "stranger", "moderator"]

# Written out by hand, independently of transitions.TRANSITIONS: (status, action, role) → new status.
ALLOWED: dict[tuple[str, str, str], str] = {
    (S.REQUESTED, "accept", "seller"): S.ACCEPTED,
    (S.REQUESTED, "decline", "seller"): S.DECLINED,
    (S.REQUESTED, "cancel", "buyer"): S.CANCELLED,
    (S.REQUESTED, "cancel", "seller"): S.CANCELLED,
    (S.ACCEPTED, "cancel", "buyer"): S.CANCELLED,
    (S.ACCEPTED, "cancel", "seller"): S.CANCELLED,
    (S.ACCEPTED, "deliver", "seller"): S.DELIVERED,
    (S.ACCEPTED, "dispute", "buyer"): S.DISPUTED,
    (S.ACCEPTED, "dispute", "seller"): S.DISPUTED,
    (S.DELIVERED, "confirm", "buyer"): S.COMPLETED,
    (S.DELIVERED, "dispute", "buyer"): S.DISPUTED,
    (S.DELIVERED, "dispute", "seller"): S.DISPUTED,
    (S.DISPUTED, "resolve", "moderator"): S.RESOLVED,
}
# Repeating what already happened: the exchange comes back unchanged, without error.
REPEATS = {
    (S.ACCEPTED, "accept", "seller"),
    (S.DECLINED, "decline", "seller"),
    (S.CANCELLED, "cancel", "buyer"),
    (S.CANCELLED, "cancel", "seller"),
    (S.DELIVERED, "deliver", "seller"),
    (S.COMPLETED, "confirm", "buyer"),
    (S.DISPUTED, "dispute", "buyer"),
    (S.DISPUTED, "dispute", "seller"),
    (S.RESOLVED, "resolve", "moderator"),
}
# The hold after an allowed transition (None: no hold).
HOLD_AFTER: dict[str, str | None] = {
    S.ACCEPTED: Hold.Status.PENDING,
    S.DECLINED: None,
    S.DELIVERED: Hold.Status.PENDING,
    S.COMPLETED: Hold.Status.CAPTURED,
    S.DISPUTED: Hold.Status.PENDING,
    S.RESOLVED: Hold.Status.CAPTURED,  # resolved by "capture" here
}


def _do(action: str, exchange: Exchange, actor: Any) -> Exchange:
    calls: dict[str, Callable[[], Exchange]] = {
        "accept": lambda: services.exchange_accept(exchange=exchange, actor=actor),
        "decline": lambda: services.exchange_decline(exchange=exchange, actor=actor),
        "cancel": lambda: services.exchange_cancel(exchange=exchange, actor=actor),
        "deliver": lambda: services.exchange_deliver(exchange=exchange, actor=actor),
        "confirm": lambda: services.exchange_confirm(exchange=exchange, actor=actor),
        "dispute": lambda: services.exchange_dispute(exchange=exchange, reason="Rien reçu", actor=actor),
        "resolve": lambda: services.exchange_resolve(exchange=exchange, outcome="capture", actor=actor),
    }
    return calls[action]()


# How each status is reached from a fresh proposal: (action, role) steps.
PATHS: dict[str, list[tuple[str, str]]] = {
    S.REQUESTED: [],
    S.ACCEPTED: [("accept", "seller")],
    S.DELIVERED: [("accept", "seller"), ("deliver", "seller")],
    S.COMPLETED: [("accept", "seller"), ("deliver", "seller"), ("confirm", "buyer")],
    S.DECLINED: [("decline", "seller")],
    S.CANCELLED: [("accept", "seller"), ("cancel", "buyer")],
    S.DISPUTED: [("accept", "seller"), ("deliver", "seller"), ("dispute", "buyer")],
    S.RESOLVED: [("accept", "seller"), ("deliver", "seller"), ("dispute", "buyer"), ("resolve", "moderator")],
}


@pytest.fixture
def parties(make_member, staff_user):
    seller = make_member(username="vendeur")
    buyer = make_member(username="acheteur")
    stranger = make_member(username="inconnu")
    return {"buyer": buyer.user, "seller": seller.user, "stranger": stranger.user, "moderator": staff_user}


def _exchange_in(status: str, parties: dict[str, Any]) -> Exchange:
    seller = parties["seller"].member
    buyer = parties["buyer"].member
    exchange = propose(listing_of(seller, unit="GRN", price=2000), buyer)
    for action, role in PATHS[status]:
        exchange = _do(action, exchange, parties[role])
    assert exchange.status == status
    return exchange


def test_the_table_covers_exactly_what_the_service_allows():
    from_service = {
        (status, action)
        for (status, action), rule in transitions.TRANSITIONS.items()
        if action != "auto_capture" and rule.allowed
    }
    assert from_service == {(status, action) for status, action, _role in ALLOWED}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status", STATUSES)
def test_every_status_action_and_role(status, action, role, parties):
    exchange = _exchange_in(status, parties)
    before = snapshot()
    key = (status, action, role)
    if key in ALLOWED:
        result = _do(action, exchange, parties[role])
        result.refresh_from_db()
        assert result.status == ALLOWED[key]
        # Cancelled (not in HOLD_AFTER): the hold, if there was one, is voided.
        voided: str | None = Hold.Status.VOIDED if exchange.hold_id else None
        expected_hold = HOLD_AFTER.get(ALLOWED[key], voided)
        assert (result.hold.status if result.hold else None) == expected_hold
        assert ExchangeEvent.objects.filter(exchange=result).latest("id").to_status == ALLOWED[key]
        if expected_hold == Hold.Status.CAPTURED:
            assert hold_of(result).captured_amount == 2000
        return
    if key in REPEATS:
        result = _do(action, exchange, parties[role])
        assert result.status == status
    else:
        with pytest.raises(ApplicationError) as refused:
            _do(action, exchange, parties[role])
        expected = (404, "not_found") if role == "stranger" else (422, "transition_not_allowed")
        assert (refused.value.status, refused.value.code) == expected
    exchange.refresh_from_db()
    assert exchange.status == status
    assert snapshot() == before


@pytest.mark.django_db
def test_on_a_want_the_author_is_the_buyer_and_accepts_what_the_seller_requested(make_member):
    author = make_member(username="cherche")
    proposer = make_member(username="propose")
    exchange = propose(listing_of(author, kind="want", unit="HRS", price=150), proposer)
    assert (exchange.buyer, exchange.seller, exchange.requested_by) == (author, proposer, proposer)
    before = snapshot()
    with pytest.raises(TransitionNotAllowed):
        services.exchange_accept(exchange=exchange, actor=proposer.user)
    assert snapshot() == before
    accepted = services.exchange_accept(exchange=exchange, actor=author.user)
    assert accepted.status == S.ACCEPTED
    assert hold_of(accepted).debit_account.holder == author
    assert hold_of(accepted).credit_account.holder == proposer


@pytest.mark.django_db
def test_the_system_can_only_auto_capture(parties):
    exchange = _exchange_in(S.DELIVERED, parties)
    with pytest.raises(TransitionNotAllowed):
        services.exchange_confirm(exchange=exchange, actor=None)
