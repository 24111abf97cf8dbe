"""The register and holdings CSVs neutralise names, decisions and notes people typed, while the
capital columns stay numbers a spreadsheet adds, negative cancellations included."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cooperative.models import ShareMovement
from cooperative.services.register import movement_cancel
from cooperative.services.requests import share_subscribe
from cooperative.services.setup import shareholder_admit
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.cooperative.test_pages_member import browse, days_ago
from tests.core.csv_checks import HOSTILE, column, number, rows_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile_register(make_member):
    coop = found_scic()
    admin = administrator()
    member = make_member(username="helene", display_name=HOSTILE["at"])
    helene = shareholder_admit(
        cooperative=coop, college=college(coop, "Usagers"), member=member, admitted_on=days_ago(10), actor=admin
    )
    legal = shareholder_admit(
        cooperative=coop,
        college=college(coop, "Collectivités"),
        legal_name=HOSTILE["hyperlink"],
        siren="248500530",
        address="2 rue Michel-Breton, 85150 Les Achards",
        admitted_on=days_ago(8),
        actor=admin,
    )
    for holder, code, quantity in ((helene, "B", 3), (legal, "A", 2)):
        share_subscribe(
            cooperative=coop,
            shareholder=holder,
            share_class=share_class(coop, code),
            quantity=quantity,
            board_decision=HOSTILE["minus"],
            paid_on=days_ago(8),
            actor=admin,
        )
    movement_cancel(
        movement=ShareMovement.objects.get(number=1), reason=HOSTILE["plus"], board_decision="", actor=admin
    )
    return coop


def test_the_register_csv_neutralises_text_and_keeps_capital_changes_as_numbers(hostile_register):
    rows = rows_of(browse(administrator()).get(f"/cooperatives/{hostile_register.pk}/register.csv?lang=en"))
    assert column(rows, "To") == ["'" + HOSTILE["at"], "'" + HOSTILE["hyperlink"], ""]
    assert column(rows, "From") == ["", "", "'" + HOSTILE["at"]]
    assert column(rows, "Board decision") == ["'" + HOSTILE["minus"]] * 2 + [""]
    assert column(rows, "Note") == ["", "", "'" + HOSTILE["plus"]]
    capital = [number(cell) for cell in column(rows, "Capital change (EUR)")]
    assert capital == [Decimal("60.00"), Decimal("200.00"), Decimal("-60.00")]
    assert [int(cell) for cell in column(rows, "Shares")] == [3, 2, 3]


def test_the_holdings_csv_neutralises_names_and_keeps_values_as_numbers(hostile_register):
    rows = rows_of(browse(administrator()).get(f"/cooperatives/{hostile_register.pk}/holdings.csv?lang=en"))
    assert column(rows, "Shareholder") == ["'" + HOSTILE["hyperlink"]]
    assert [number(cell) for cell in column(rows, "Value (EUR)")] == [Decimal("200.00")]
