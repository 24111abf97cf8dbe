"""The members, auditor, funding and hold the ledger API tests share."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from ledger.models import Hold
from ledger.services import hold_create
from tests.conftest import account_of
from tests.factories import auditor_user
from tests.ledger.api.support import issue


@pytest.fixture
def alice(make_member):
    return make_member(username="alice")


@pytest.fixture
def bob(make_member):
    return make_member(username="bob")


@pytest.fixture
def carol(make_member):
    return make_member(username="carol")


@pytest.fixture
def auditor(db):
    return auditor_user("auditor")


@pytest.fixture
def funded_alice(alice):
    issue(account_of(alice, "ACH"), "100.00")
    return alice


@pytest.fixture
def hold(funded_alice, bob) -> Hold:
    return hold_create(
        from_account=account_of(funded_alice, "ACH"),
        to_account=account_of(bob, "ACH"),
        amount=Money("40", "ACH"),
        memo="deposit",
        actor=funded_alice.user,
    )
