"""The open-data CSV neutralises commune names (typed by an administrator) and keeps figures numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from members.models import Commune
from tests.core.csv_checks import HOSTILE, number, rows_of
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


def test_a_commune_named_like_a_formula_is_neutralised_and_the_figures_stay_numbers(make_member):
    commune = Commune.objects.create(name=HOSTILE["hyperlink"], postal_code="85150")
    alice = make_member(username="alice", commune=commune)
    give_ach(alice, "150.00")
    rows = rows_of(Client().get("/api/transparency/?format=csv&lang=en"))
    mine = [row for row in rows if row[2].endswith(HOSTILE["hyperlink"])]
    assert [row[2] for row in mine] == ["'" + HOSTILE["hyperlink"]] * 2
    assert {row[0]: int(row[4]) for row in mine} == {"active_members": 1, "businesses": 0}
    figures = {(row[0], row[1]): row[4] for row in rows if row[0] in ("circulation", "guarantee_fund")}
    assert number(figures["circulation", "ACH"]) == Decimal("150.00")
    assert number(figures["guarantee_fund", "EUR"]) == Decimal("150.00")
