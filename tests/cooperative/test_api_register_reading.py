"""API reading the share register: movements page by page, holdings and capital at a date, voters.

Every refusal is checked to write nothing (`snapshot`). Messages are read in English.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cooperative.models import ShareMovement
from tests.cooperative.api_support import (
    assert_error,
    client,
    ok,
    url,
    years_ago,
)
from tests.cooperative.helpers import share_class

pytestmark = pytest.mark.django_db


def test_the_register_lists_the_movements_in_number_order_page_by_page(coop, admin, held):
    founding, cession = years_ago(2), years_ago(1)
    first_page = ok(client(admin).get(url(coop, "register"), {"limit": 2}))
    assert first_page["count"] == 4
    assert first_page["next"] is not None
    line = first_page["results"][0]
    recorded_at = line.pop("recorded_at")
    assert recorded_at
    first = ShareMovement.objects.get(cooperative=coop, number=1)
    assert line == {
        "number": 1,
        "kind": "subscription",
        "effective_on": founding.isoformat(),
        "share_class": {"id": share_class(coop, "A").pk, "code": "A"},
        "quantity": 3,
        "from_shareholder": None,
        "to_shareholder": {"id": held["alice"].pk, "display_name": "Alice"},
        "capital_delta": "300.00",
        "unit": "EUR",
        "board_decision": f"CA du {founding:%d/%m/%Y}",
        "ledger_transaction": first.ledger_transaction_id,
        "reverses": None,
        "cancelled_by": None,
        "note": "",
    }
    second_page = ok(client(admin).get(url(coop, "register"), {"limit": 2, "offset": 2}))
    lines = [*first_page["results"], *second_page["results"]]
    assert [
        (
            m["number"],
            m["kind"],
            m["share_class"]["code"],
            m["quantity"],
            m["from_shareholder"] and m["from_shareholder"]["display_name"],
            m["to_shareholder"]["display_name"],
            m["capital_delta"],
            m["effective_on"],
        )
        for m in lines
    ] == [
        (1, "subscription", "A", 3, None, "Alice", "300.00", founding.isoformat()),
        (2, "subscription", "B", 5, None, "Bob", "100.00", founding.isoformat()),
        (3, "subscription", "A", 2, None, "CC du Pays des Achards", "200.00", founding.isoformat()),
        (4, "transfer", "B", 2, "Bob", "Alice", "0.00", cession.isoformat()),
    ]
    assert lines[3]["ledger_transaction"] is None


def test_holdings_and_capital_at_a_past_date_and_today(coop, admin, held):
    founding, cession = years_ago(2), years_ago(1)
    before_the_cession = cession - datetime.timedelta(days=1)
    api = client(admin)
    data = ok(api.get(url(coop, "holdings"), {"on": before_the_cession.isoformat()}))
    assert (data["on"], data["total_shares"], data["total_value"], data["unit"]) == (
        before_the_cession.isoformat(),
        10,
        "600.00",
        "EUR",
    )
    assert [
        (h["shareholder"]["display_name"], h["college"]["name"], h["share_class"]["code"], h["shares"], h["value"])
        for h in data["holdings"]
    ] == [
        ("Bob", "Usagers", "B", 5, "100.00"),
        ("Alice", "Salariés", "A", 3, "300.00"),
        ("CC du Pays des Achards", "Collectivités", "A", 2, "200.00"),
    ]
    today = ok(api.get(url(coop, "holdings")))
    assert today["on"] == timezone.localdate().isoformat()
    assert [(h["shareholder"]["display_name"], h["share_class"]["code"], h["shares"]) for h in today["holdings"]] == [
        ("Alice", "A", 3),
        ("Bob", "B", 3),
        ("Alice", "B", 2),
        ("CC du Pays des Achards", "A", 2),
    ]
    before_founding = ok(api.get(url(coop, "holdings"), {"on": (founding - datetime.timedelta(days=1)).isoformat()}))
    assert (before_founding["holdings"], before_founding["total_value"]) == ([], "0.00")

    capital = ok(api.get(url(coop, "capital"), {"on": (founding - datetime.timedelta(days=1)).isoformat()}))
    assert capital == {
        "on": (founding - datetime.timedelta(days=1)).isoformat(),
        "capital": "0.00",
        "capital_floor": "0.00",
        "unit": "EUR",
        "history": [
            {"date": founding.isoformat(), "capital": "600.00"},
            {"date": cession.isoformat(), "capital": "600.00"},
        ],
    }
    assert ok(api.get(url(coop, "capital")))["capital"] == "600.00"


@pytest.mark.parametrize("on", ["2024-02-30", "hier", "2024-1-1x", "10000-01-01"])
def test_a_bad_date_is_refused_with_a_message(coop, admin, held, on):
    for endpoint in ("holdings", "capital", "voters"):
        body = assert_error(client(admin).get(url(coop, endpoint), {"on": on}), 400, "invalid")
        assert list(body["fields"]) == ["on"]


def test_the_voters_by_college_on_a_date(coop, admin, held):
    founding = years_ago(2)
    data = ok(client(admin).get(url(coop, "voters")))
    assert data["on"] == timezone.localdate().isoformat()
    assert [
        (c["college"]["name"], c["college"]["weight"], c["count"], [v["display_name"] for v in c["voters"]])
        for c in data["colleges"]
    ] == [
        ("Salariés", 40, 1, ["Alice"]),
        ("Usagers", 30, 1, ["Bob"]),
        ("Collectivités", 30, 1, ["CC du Pays des Achards"]),
    ]
    early = ok(client(admin).get(url(coop, "voters"), {"on": (founding - datetime.timedelta(days=1)).isoformat()}))
    assert [c["count"] for c in early["colleges"]] == [0, 0, 0]
