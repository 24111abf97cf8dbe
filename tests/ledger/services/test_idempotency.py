"""Idempotency keys of the ledger's services: a replay returns the first result, another body is refused."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from currency.kinds import CONVERSION
from ledger import services
from ledger.errors import IdempotencyKeyReused
from ledger.models import Account, Hold
from tests.conftest import account_of
from tests.ledger.services.support import hrs, ledger_state, refresh

pytestmark = pytest.mark.django_db


def test_a_replayed_transfer_returns_the_first_transaction_and_posts_nothing_new(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    first = services.transfer_create(
        from_account=payer, to_account=payee, amount=hrs("1.25"), actor=None, idempotency_key="pay-42"
    )
    before = ledger_state()

    replay = services.transfer_create(
        from_account=payer, to_account=payee, amount=hrs("1.25"), actor=None, idempotency_key="pay-42"
    )

    assert replay.pk == first.pk
    assert ledger_state() == before
    refresh(payer, payee)
    assert (payer.balance, payee.balance) == (-125, 125)


def test_a_key_reused_for_a_different_transfer_is_refused_and_posts_nothing(alice, bruno, make_member):
    payer, payee, other_payee = account_of(alice, "HRS"), account_of(bruno, "HRS"), account_of(make_member(), "HRS")
    services.transfer_create(from_account=payer, to_account=payee, amount=hrs("1.25"), actor=None, idempotency_key="k")
    before = ledger_state()

    with pytest.raises(IdempotencyKeyReused) as refused:
        services.transfer_create(
            from_account=payer, to_account=payee, amount=hrs("1.5"), actor=None, idempotency_key="k"
        )
    with pytest.raises(IdempotencyKeyReused):
        services.transfer_create(
            from_account=payer, to_account=other_payee, amount=hrs("1.25"), actor=None, idempotency_key="k"
        )

    assert refused.value.code == "idempotency_key_reused"
    assert ledger_state() == before


def test_a_replayed_posting_returns_the_first_transaction(alice):
    member = account_of(alice, "ACH")
    legs = [
        (services.system_account(Account.SystemCode.WORLD, "EUR"), Money("-5", "EUR")),
        (services.system_account(Account.SystemCode.GUARANTEE_FUND, "EUR"), Money("5", "EUR")),
        (services.system_account(Account.SystemCode.ISSUANCE, "ACH"), Money("-5", "ACH")),
        (member, Money("5", "ACH")),
    ]
    first = services.transaction_post(legs=legs, kind=CONVERSION, actor=None, idempotency_key="c-1")
    before = ledger_state()

    replay = services.transaction_post(legs=legs, kind=CONVERSION, actor=None, idempotency_key="c-1")

    assert replay.pk == first.pk
    assert ledger_state() == before
    member.refresh_from_db()
    assert member.balance == 500


def test_a_replayed_hold_returns_the_first_hold_and_holds_nothing_more(alice, bruno):
    payer, payee = account_of(alice, "HRS"), account_of(bruno, "HRS")
    first = services.hold_create(from_account=payer, to_account=payee, amount=hrs("3"), actor=None, idempotency_key="h")

    replay = services.hold_create(
        from_account=payer, to_account=payee, amount=hrs("3"), actor=None, idempotency_key="h"
    )
    with pytest.raises(IdempotencyKeyReused):
        services.hold_create(from_account=payer, to_account=payee, amount=hrs("4"), actor=None, idempotency_key="h")

    assert replay.pk == first.pk
    assert Hold.objects.count() == 1
    payer.refresh_from_db()
    assert (payer.balance, payer.held) == (0, 300)
