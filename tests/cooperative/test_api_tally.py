"""API of the general assembly's tally: each college weighed by its weight.

Every refusal is checked to write nothing (`snapshot`). Messages are read in English.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from cooperative.models import College
from tests.cooperative.api_support import (
    admit,
    assert_error,
    client,
    ok,
    snapshot,
    subscribe,
    tally_body,
    url,
    years_ago,
)
from tests.cooperative.helpers import college, found_scic

pytestmark = pytest.mark.django_db


def test_the_tally_weighs_each_college_by_its_weight(coop, auditor, held, make_member):
    # Two more voters among the users: Usagers has 3 voters.
    for name in ("camille", "louis"):
        holder = admit(coop, make_member(username=name, display_name=name.capitalize()), "Usagers", years_ago(1))
        subscribe(coop, holder, "B", 1, timezone.localdate())
    before = snapshot()
    body = tally_body(
        coop,
        "simple",
        **{"Salariés": {"for": 1}, "Usagers": {"for": 1, "against": 2}, "Collectivités": {"against": 0, "abstain": 1}},
    )
    data = ok(client(auditor).post(url(coop, "assembly", "tally"), body, format="json"))
    # Salariés 100 % for (40), Usagers 1/3 for (30); Collectivités abstained: not counted.
    # (40 × 1 + 30 × 1/3) / 70 = 71.43 %.
    assert data == {
        "majority": "simple",
        "on": timezone.localdate().isoformat(),
        "colleges": [
            {
                "college": college(coop, "Salariés").pk,
                "name": "Salariés",
                "weight": 40,
                "voters": 1,
                "for": 1,
                "against": 0,
                "abstain": 0,
                "percent_for": "100.00",
            },
            {
                "college": college(coop, "Usagers").pk,
                "name": "Usagers",
                "weight": 30,
                "voters": 3,
                "for": 1,
                "against": 2,
                "abstain": 0,
                "percent_for": "33.33",
            },
            {
                "college": college(coop, "Collectivités").pk,
                "name": "Collectivités",
                "weight": 30,
                "voters": 1,
                "for": 0,
                "against": 0,
                "abstain": 1,
                "percent_for": None,
            },
        ],
        "percent_for": "71.43",
        "adopted": True,
    }
    body["majority"] = "two_thirds"
    assert ok(client(auditor).post(url(coop, "assembly", "tally"), body, format="json"))["adopted"] is True
    body = tally_body(
        coop, "two_thirds", **{"Salariés": {"against": 1}, "Usagers": {"for": 3}, "Collectivités": {"for": 1}}
    )
    data = ok(client(auditor).post(url(coop, "assembly", "tally"), body, format="json"))
    # (30 + 30) / 100 = 60 %: a simple majority, not two thirds.
    assert (data["percent_for"], data["adopted"]) == ("60.00", False)
    nobody = ok(client(auditor).post(url(coop, "assembly", "tally"), {"votes": {}}, format="json"))
    assert (nobody["majority"], nobody["percent_for"], nobody["adopted"]) == ("simple", None, False)
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"majority": "unanimity", "votes": {}},
        {"votes": {"Salariés": {"for": 1}}},
        {"votes": {"999999": {"for": 1}}},
        {"votes": {"99999999999999999999999": {"for": 1}}},
        {"votes": {"SALARIES": {"for": -1}}},
        {"votes": {"SALARIES": {"for": 1.5}}},
        {"votes": {"SALARIES": {"for": "un"}}},
        {"votes": {"SALARIES": {"for": True}}},
        {"votes": {"SALARIES": {"for": 2}}},  # one voter in the college
        {"votes": {"SALARIES": {"for": 1, "abstain": 1}}},
        {"votes": {"SALARIES": 1}},
        {"votes": []},
        {},
        {"votes": {}, "on": "demain"},
    ],
)
def test_a_bad_tally_is_refused_with_a_message(coop, admin, held, body):
    def with_college(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        salaries = str(college(coop, "Salariés").pk)
        return {(salaries if key == "SALARIES" else key): with_college(item) for key, item in value.items()}

    response = client(admin).post(url(coop, "assembly", "tally"), with_college(body), format="json")
    assert_error(response, 400, "invalid")


def test_the_tally_is_refused_while_the_college_weights_are_invalid(admin, held):
    scop = found_scic(siren="552100554")
    College.objects.filter(cooperative=scop, name="Salariés").update(weight=20)
    body = assert_error(
        client(admin).post(url(scop, "assembly", "tally"), {"votes": {}}, format="json"), 422, "invalid_college_weights"
    )
    assert body["message"] == "The weights sum to 80 %, not 100 %."
