"""The two members the ledger service tests pay between."""

from __future__ import annotations

import pytest


@pytest.fixture
def alice(make_member):
    return make_member(username="alice")


@pytest.fixture
def bruno(make_member):
    return make_member(username="bruno")
