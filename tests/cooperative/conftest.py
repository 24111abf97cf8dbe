"""The administrator, auditor, members and cooperatives (bare, populated, strict statutes) of the cooperative tests."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from cooperative.models import (
    Cooperative,
    Shareholder,
)
from tests.cooperative.api_support import populate
from tests.cooperative.helpers import administrator, found_scic
from tests.crowdfunding.test_api_campaigns import make_auditor


@pytest.fixture
def admin(db):
    return administrator()


@pytest.fixture
def auditor(db):
    return make_auditor()


@pytest.fixture
def alice(make_member):
    return make_member(username="alice", display_name="Alice")


@pytest.fixture
def bob(make_member):
    return make_member(username="bob", display_name="Bob")


@pytest.fixture
def coop(db):
    return found_scic()


@pytest.fixture
def held(coop, alice, bob) -> dict[str, Shareholder]:
    return populate(coop, alice, bob)


@pytest.fixture
def strict(alice, bob) -> tuple[Cooperative, dict[str, Shareholder]]:
    """Statutes with teeth: 2 to 6 shares per member, a capital floor of 500 €; populated as `held`."""
    cooperative = found_scic(min_shares_per_member=2, max_shares_per_member=6, capital_floor=Money("500", "EUR"))
    return cooperative, populate(cooperative, alice, bob)
