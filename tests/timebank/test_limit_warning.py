"""The soft warning near a time-bank limit, on its own and as the dashboard's notice."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation
from djmoney.money import Money

from ledger.services import transfer_create
from members.models import Member
from tests.conftest import account_of
from timebank.selectors import timebank_warning


@pytest.fixture
def louis(make_member) -> Member:
    return make_member(username="louis", display_name="Louis")


@pytest.fixture
def camille(make_member) -> Member:
    return make_member(username="camille", display_name="Camille")


@translation.override("en")
def test_the_warning_appears_within_five_hours_of_either_limit(louis, camille):
    assert timebank_warning(account_of(louis, "HRS")) is None
    transfer_create(
        from_account=account_of(camille, "HRS"),
        to_account=account_of(louis, "HRS"),
        amount=Money("15", "HRS"),
        actor=None,
    )
    assert timebank_warning(account_of(camille, "HRS")) == "Only 5 h left before your credit limit of −20 h."
    assert timebank_warning(account_of(louis, "HRS")) is None
    transfer_create(
        from_account=account_of(camille, "HRS"),
        to_account=account_of(louis, "HRS"),
        amount=Money("5", "HRS"),
        actor=None,
    )
    assert "reached your credit limit" in timebank_warning(account_of(camille, "HRS"))
    assert timebank_warning(account_of(louis, "ACH")) is None


def test_the_notices_tag_shows_the_time_bank_warning(make_member):
    camille = make_member(username="camille")
    louis = make_member(username="louis")
    transfer_create(
        from_account=account_of(camille, "HRS"),
        to_account=account_of(louis, "HRS"),
        amount=Money("16", "HRS"),
        actor=None,
    )
    template = Template("{% load timebank_notices %}{% timebank_notices account %}")
    with translation.override("en"):
        hrs = template.render(Context({"account": account_of(camille, "HRS")}))
        calm = template.render(Context({"account": account_of(louis, "HRS")}))
    assert "Only 4 h left before your credit limit of −20 h." in hrs
    assert calm.strip() == ""
