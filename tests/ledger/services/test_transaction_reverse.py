"""transaction_reverse: the opposite entries, once, never breaking a limit. Nothing is written when refused."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from ledger import services
from ledger.errors import (
    AlreadyReversed,
    InsufficientFunds,
)
from ledger.kinds import REVERSAL
from ledger.models import Transaction
from tests.conftest import account_of
from tests.ledger.services.support import fund_ach, hrs, ledger_state, refresh

pytestmark = pytest.mark.django_db


def test_a_reversal_posts_the_opposite_entries_linked_to_the_original(alice, bruno, staff_user):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    original = services.transfer_create(from_account=payer, to_account=payee, amount=hrs("3"), actor=None)

    reversal = services.transaction_reverse(transaction_to_reverse=original, actor=staff_user)

    refresh(payer, payee)
    assert (payer.balance, payee.balance) == (0, 0)
    assert reversal.kind_id == REVERSAL
    assert reversal.reverses_id == original.pk
    original.refresh_from_db()
    assert original.reversed_by == reversal
    assert reversal.memo == f"Contre-passation de la transaction n°\u00a0{original.pk}"  # French first
    assert reversal.actor == staff_user
    assert list(reversal.entries.order_by("id").values_list("account_id", "amount", "balance_after")) == [
        (payer.pk, 300, 0),
        (payee.pk, -300, 0),
    ]


def test_a_transaction_reversed_twice_is_refused_the_second_time_and_posts_nothing(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    original = services.transfer_create(from_account=payer, to_account=payee, amount=hrs("3"), actor=None)
    services.transaction_reverse(transaction_to_reverse=original, actor=None)
    before = ledger_state()

    with pytest.raises(AlreadyReversed) as refused:
        services.transaction_reverse(transaction_to_reverse=original, actor=None)

    assert refused.value.code == "already_reversed"
    assert ledger_state() == before
    assert Transaction.objects.filter(reverses=original).count() == 1


def test_a_reversal_that_would_overdraw_an_account_is_refused_and_posts_nothing(alice, bruno, make_member):
    payer, payee, third = account_of(alice, "ACH"), account_of(bruno, "ACH"), account_of(make_member(), "ACH")
    fund_ach(payer, "10")
    wrong = services.transfer_create(from_account=payer, to_account=payee, amount=Money("10", "ACH"), actor=None)
    services.transfer_create(from_account=payee, to_account=third, amount=Money("10", "ACH"), actor=None)
    before = ledger_state()

    with pytest.raises(InsufficientFunds):
        services.transaction_reverse(transaction_to_reverse=wrong, actor=None)

    assert ledger_state() == before
    assert not Transaction.objects.filter(reverses=wrong).exists()
