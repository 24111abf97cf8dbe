"""The marketplace's inbox providers: the exchanges waiting for a member's answer, step by step,
and the disputes waiting for a moderator."""

from __future__ import annotations

import pytest

from core.inbox import inbox_of
from exchange.inbox import disputes_to_resolve, exchanges_to_answer
from exchange.models import Listing
from exchange.services import exchanges as services
from tests.exchange.test_exchange_support import listing_of, propose
from tests.factories import moderator

pytestmark = pytest.mark.django_db


def counts(user) -> int:
    return sum(item.count for item in exchanges_to_answer(user))


def test_each_side_counts_the_exchanges_whose_next_step_is_theirs(make_member):
    seller = make_member(username="boulanger")
    first, second = make_member(username="voisine"), make_member(username="voisin")
    bread = listing_of(seller, unit="GRN", price=2500)
    one, _two = propose(bread, first), propose(bread, second)
    # Two proposals wait for the seller's answer; the buyers wait for the seller.
    assert (counts(seller.user), counts(first.user), counts(second.user)) == (2, 0, 0)
    services.exchange_accept(exchange=one, actor=seller.user)
    # Accepted: the seller delivers (still his move), the second proposal still waits.
    assert (counts(seller.user), counts(first.user)) == (2, 0)
    services.exchange_deliver(exchange=one, actor=seller.user)
    # Delivered: now the buyer confirms.
    assert (counts(seller.user), counts(first.user)) == (1, 1)
    services.exchange_confirm(exchange=one, actor=first.user)
    assert (counts(seller.user), counts(first.user), counts(second.user)) == (1, 0, 0)
    [item] = exchanges_to_answer(seller.user)
    assert (item.key, item.kind, item.url, str(item.label)) == (
        "exchanges",
        "member",
        "/exchanges/",
        "échange attend votre réponse",
    )


def test_on_a_want_listing_the_author_answers_the_proposer(make_member):
    author = make_member(username="demandeuse")
    helper = make_member(username="bricoleur")
    wanted = listing_of(author, kind=Listing.Kind.WANT, unit="GRN", price=1000)
    propose(wanted, helper)
    assert (counts(author.user), counts(helper.user)) == (1, 0)


def test_plural_label_and_nothing_for_a_stranger(make_member):
    seller = make_member(username="boulanger")
    bread = listing_of(seller, unit="GRN", price=2500)
    propose(bread, make_member(username="a"))
    propose(bread, make_member(username="b"))
    [item] = exchanges_to_answer(seller.user)
    assert (item.count, str(item.label)) == (2, "échanges attendent votre réponse")
    assert exchanges_to_answer(make_member(username="inconnu").user) == []


def test_a_dispute_waits_for_a_moderator_not_for_the_parties(make_member):
    seller, buyer = make_member(username="boulanger"), make_member(username="voisine")
    exchange = propose(listing_of(seller, unit="GRN", price=2500), buyer)
    services.exchange_accept(exchange=exchange, actor=seller.user)
    services.exchange_dispute(exchange=exchange, reason="Jamais livré", actor=buyer.user)
    staff = moderator()
    [item] = disputes_to_resolve(staff)
    assert (item.key, item.kind, item.count) == ("disputes", "staff", 1)
    assert inbox_of(staff).counts == {"disputes": 1}
    assert disputes_to_resolve(buyer.user) == [] and disputes_to_resolve(seller.user) == []
    assert "disputes" not in inbox_of(buyer.user).counts
    assert counts(buyer.user) == 0 and counts(seller.user) == 0
