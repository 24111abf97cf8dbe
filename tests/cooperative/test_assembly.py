"""The general assembly's tally: one vote per voter inside a college, colleges weighed 40/30/30."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from cooperative.assembly import tally
from cooperative.models import College, Cooperative
from cooperative.services.requests import share_subscribe
from cooperative.services.setup import cooperative_create, shareholder_admit
from core.errors import ApplicationError
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.cooperative.test_worked_examples import redeemed

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def electorate(cooperative: Cooperative, make_member, **sizes: int) -> dict[str, int]:
    """Admit `size` voters into each college (one B share each); return {college name: id}."""
    names = {"salaries": "Salariés", "usagers": "Usagers", "collectivites": "Collectivités"}
    for key, size in sizes.items():
        for index in range(size):
            holder = shareholder_admit(
                cooperative=cooperative,
                college=college(cooperative, names[key]),
                member=make_member(username=f"{key}{index}"),
                actor=administrator(),
            )
            share_subscribe(
                cooperative=cooperative,
                shareholder=holder,
                share_class=share_class(cooperative, "B"),
                quantity=1,
                board_decision="CA 2024-01",
                actor=administrator(),
                paid_on=D(2024, 1, 8),
            )
    return dict(College.objects.filter(cooperative=cooperative).values_list("name", "id"))


def counts(result) -> tuple[Any, ...]:
    return (result.name, result.weight, result.voters, result.votes_for, result.votes_against, result.abstentions)


def test_a_worked_tally_weighs_each_colleges_share_of_for_by_its_weight(make_member):
    cooperative = found_scic()
    ids = electorate(cooperative, make_member, salaries=4, usagers=4, collectivites=2)

    result = tally(
        cooperative=cooperative,
        votes={
            ids["Salariés"]: {"for": 3, "against": 1},
            ids["Usagers"]: {"for": 1, "against": 2, "abstain": 1},
        },
    )

    assert [counts(c) for c in result.colleges] == [
        ("Salariés", 40, 4, 3, 1, 0),
        ("Usagers", 30, 4, 1, 2, 1),
        ("Collectivités", 30, 2, 0, 0, 0),
    ]
    assert [(c.cast, c.share_for) for c in result.colleges] == [
        (4, Decimal("0.75")),
        (3, Decimal(1) / Decimal(3)),
        (0, None),
    ]
    # (40 × 3/4 + 30 × 1/3) / (40 + 30) = 40/70: the silent college weighs nothing.
    assert result.weighted_for == Decimal(4) / Decimal(7) == Decimal("0.5714285714285714285714285714")
    assert result.percent_for == Decimal("57.14")
    assert (result.majority, result.adopted) == ("simple", True)
    assert tally(cooperative=cooperative, votes={ids["Salariés"]: {"for": 3, "against": 1}}).percent_for == Decimal(
        "75.00"
    )
    two_thirds = tally(
        cooperative=cooperative,
        votes={ids["Salariés"]: {"for": 3, "against": 1}, ids["Usagers"]: {"for": 1, "against": 2, "abstain": 1}},
        majority="two_thirds",
    )
    assert (two_thirds.percent_for, two_thirds.adopted) == (Decimal("57.14"), False)


def test_abstentions_are_not_votes_cast(make_member):
    cooperative = found_scic()
    ids = electorate(cooperative, make_member, salaries=4, usagers=2, collectivites=1)

    result = tally(
        cooperative=cooperative,
        votes={
            ids["Salariés"]: {"for": 1, "against": 0, "abstain": 3},
            ids["Usagers"]: {"abstain": 2},
            ids["Collectivités"]: {"for": 0, "against": 1},
        },
    )

    # Salariés: 1 of 1 cast; Usagers: nothing cast, left out; Collectivités: 0 of 1.
    assert result.weighted_for == Decimal(40) / Decimal(70)
    assert result.percent_for == Decimal("57.14")
    assert result.adopted is True


def test_with_no_vote_cast_anywhere_nothing_is_adopted(make_member):
    cooperative = found_scic()
    ids = electorate(cooperative, make_member, salaries=1, usagers=1)

    result = tally(cooperative=cooperative, votes={ids["Usagers"]: {"abstain": 1}})

    assert (result.weighted_for, result.percent_for, result.adopted) == (None, None, False)


@pytest.mark.parametrize(
    ("votes", "percent", "simple", "two_thirds"),
    [
        # Exactly half is no simple majority.
        ({"Salariés": (1, 1)}, Decimal("50.00"), False, False),
        ({"Salariés": (2, 0), "Usagers": (0, 2), "Collectivités": (0, 2)}, Decimal("40.00"), False, False),
        ({"Salariés": (2, 0), "Usagers": (2, 0), "Collectivités": (0, 2)}, Decimal("70.00"), True, True),
        ({"Salariés": (0, 2), "Usagers": (2, 0), "Collectivités": (2, 0)}, Decimal("60.00"), True, False),
        ({"Salariés": (2, 1), "Usagers": (2, 1), "Collectivités": (2, 1)}, Decimal("66.67"), True, True),
    ],
)
def test_simple_and_two_thirds_majorities(make_member, votes, percent, simple, two_thirds):
    cooperative = found_scic()
    ids = electorate(cooperative, make_member, salaries=3, usagers=3, collectivites=3)
    cast = {ids[name]: {"for": yes, "against": no} for name, (yes, no) in votes.items()}

    results = [tally(cooperative=cooperative, votes=cast, majority=m) for m in ("simple", "two_thirds")]

    assert [(r.percent_for, r.adopted) for r in results] == [(percent, simple), (percent, two_thirds)]


def test_an_exact_two_thirds_is_adopted_and_an_exact_half_is_not_whatever_the_rounding(make_member):
    cooperative = found_scic()
    ids = electorate(cooperative, make_member, salaries=9, usagers=9, collectivites=9)

    # 40 × 3/9 + 30 × 7/9 + 30 × 9/9 = 200/3, out of 100: two thirds exactly.
    two_thirds = tally(
        cooperative=cooperative,
        votes={
            ids["Salariés"]: {"for": 3, "against": 6},
            ids["Usagers"]: {"for": 7, "against": 2},
            ids["Collectivités"]: {"for": 9, "against": 0},
        },
        majority="two_thirds",
    )
    # 40 × 6/9 + 30 × 2/9 + 30 × 5/9 = 50, out of 100: a half exactly.
    half = tally(
        cooperative=cooperative,
        votes={
            ids["Salariés"]: {"for": 6, "against": 3},
            ids["Usagers"]: {"for": 2, "against": 7},
            ids["Collectivités"]: {"for": 5, "against": 4},
        },
    )

    assert (two_thirds.weighted_for, two_thirds.percent_for, two_thirds.adopted) == (
        Decimal(2) / Decimal(3),
        Decimal("66.67"),
        True,
    )
    assert (half.weighted_for, half.percent_for, half.adopted) == (Decimal("0.5"), Decimal("50.00"), False)


def test_the_voters_are_those_of_the_day_of_the_assembly(make_member):
    cooperative = found_scic()
    ids = electorate(cooperative, make_member, salaries=2)
    leaver = cooperative.shareholders.get(member__user__username="salaries1")
    redeemed(leaver, "B", 1, approved_on=D(2024, 3, 1), paid_on=D(2024, 3, 1))
    votes = {ids["Salariés"]: {"for": 1, "against": 1}}

    before = tally(cooperative=cooperative, votes=votes, on=D(2024, 2, 29))

    assert before.colleges[0].voters == 2
    with pytest.raises(ApplicationError) as caught:
        tally(cooperative=cooperative, votes=votes)
    assert caught.value.fields == {f"votes.{ids['Salariés']}": ["The college “Salariés” has 1 voter: one vote each."]}


def refused_tally(cooperative: Cooperative, code: str, votes: dict[int, Any], **expected: Any) -> None:
    with pytest.raises(ApplicationError) as caught:
        tally(cooperative=cooperative, votes=votes, majority=expected.pop("majority", "simple"))
    assert caught.value.code == code
    if "message" in expected:
        assert str(caught.value.message) == expected["message"]
    if "fields" in expected:
        fields = {key: [str(m) for m in value] for key, value in (caught.value.fields or {}).items()}
        assert fields == expected["fields"]


def test_more_votes_than_voters_or_nonsense_counts_are_refused(make_member):
    cooperative = found_scic()
    ids = electorate(cooperative, make_member, salaries=2, usagers=1)
    salaries = ids["Salariés"]

    refused_tally(
        cooperative,
        "invalid",
        {salaries: {"for": 1, "against": 1, "abstain": 1}},
        fields={f"votes.{salaries}": ["The college “Salariés” has 2 voters: one vote each."]},
    )
    refused_tally(
        cooperative,
        "invalid",
        {ids["Collectivités"]: {"for": 1}},
        fields={f"votes.{ids['Collectivités']}": ["The college “Collectivités” has 0 voters: one vote each."]},
    )
    for bad in (-1, True, "1", 1.0):
        refused_tally(
            cooperative,
            "invalid",
            {salaries: {"for": bad}},
            fields={f"votes.{salaries}.for": ["A whole number, 0 or more."]},
        )
    refused_tally(cooperative, "invalid", {999999: {"for": 1}}, fields={"votes": ["Unknown college: [999999]."]})
    refused_tally(
        cooperative,
        "invalid",
        {salaries: {"for": 1}},
        majority="unanimity",
        fields={"majority": ["Choose simple or two_thirds."]},
    )


def test_a_tally_with_invalid_college_weights_is_refused(make_member):
    cooperative = found_scic()
    ids = electorate(cooperative, make_member, salaries=1)
    # Weights changed behind the services' back (a hand in the database).
    College.objects.filter(pk=ids["Salariés"]).update(weight=60)

    refused_tally(
        cooperative,
        "invalid_college_weights",
        {ids["Salariés"]: {"for": 1}},
        message="The weights sum to 120 %, not 100 %. "
        "In a SCIC each college weighs between 10 % and 50 %: “Salariés” has 60 %.",
    )

    empty = cooperative_create(
        name="SCOP sans collège", legal_form="scop", siren="248500530", seat_address="Martinet", actor=administrator()
    )
    refused_tally(empty, "invalid_college_weights", {}, message="The cooperative has no college yet.")
