"""The register read at any date: holdings, capital, its history, the voters of a general assembly."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cooperative.models import Cooperative
from cooperative.selectors import (
    capital_at,
    capital_history,
    holdings_at,
    members_per_college,
    register,
    shares_of,
    voters_at,
)
from cooperative.services.register import share_transfer
from cooperative.services.requests import subscription_request_approve, subscription_request_create
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.cooperative.test_worked_examples import assert_books, holdings, redeemed, shareholder, subscribed

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def story(make_member) -> Cooperative:
    """Alice 10 A (16/01/2023), Bruno 5 B (08/02/2023), Alice → Bruno 2 A (12/06/2023);
    on 04/06/2024 Bruno redeems everything (5 B, then 2 A) and Chloé subscribes 3 B."""
    cooperative = found_scic()
    alice, bruno, chloe = (make_member(username=name) for name in ("alice", "bruno", "chloe"))
    subscribed(cooperative, alice, "Salariés", "A", 10, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "B", 5, paid_on=D(2023, 2, 8))
    share_transfer(
        cooperative=cooperative,
        from_shareholder=shareholder(cooperative, alice),
        to_shareholder=shareholder(cooperative, bruno),
        share_class=share_class(cooperative, "A"),
        quantity=2,
        board_decision="CA 2023-06",
        actor=administrator(),
        effective_on=D(2023, 6, 12),
    )
    bruno_holder = shareholder(cooperative, bruno)
    redeemed(bruno_holder, "B", 5, approved_on=D(2024, 3, 4), paid_on=D(2024, 6, 4))
    redeemed(bruno_holder, "A", 2, approved_on=D(2024, 3, 4), paid_on=D(2024, 6, 4))
    subscribed(cooperative, chloe, "Usagers", "B", 3, paid_on=D(2024, 6, 4))
    return cooperative


@pytest.mark.parametrize(
    ("day", "expected_holdings", "expected_capital"),
    [
        (D(2023, 1, 15), {}, 0),
        (D(2023, 1, 16), {("Alice", "A"): 10}, 100000),
        (D(2023, 3, 1), {("Alice", "A"): 10, ("Bruno", "B"): 5}, 110000),
        (D(2023, 6, 11), {("Alice", "A"): 10, ("Bruno", "B"): 5}, 110000),
        (D(2023, 6, 12), {("Alice", "A"): 8, ("Bruno", "B"): 5, ("Bruno", "A"): 2}, 110000),
        (D(2024, 6, 3), {("Alice", "A"): 8, ("Bruno", "B"): 5, ("Bruno", "A"): 2}, 110000),
        (D(2024, 6, 4), {("Alice", "A"): 8, ("Chloe", "B"): 3}, 86000),
        (None, {("Alice", "A"): 8, ("Chloe", "B"): 3}, 86000),
    ],
)
def test_holdings_and_capital_at_a_past_date(story, day, expected_holdings, expected_capital):
    assert holdings(story, day) == expected_holdings
    assert capital_at(story, day) == expected_capital


def test_the_capital_today_is_what_the_capital_account_holds(story):
    assert_books(story, 86000)


def test_holdings_are_listed_largest_first(story):
    rows = [
        (h.shareholder.display_name, h.share_class.code, h.shares, h.value) for h in holdings_at(story, D(2024, 1, 1))
    ]

    assert rows == [
        ("Alice", "A", 8, 80000),
        ("Bruno", "B", 5, 10000),
        ("Bruno", "A", 2, 20000),
    ]


def test_shares_of_one_shareholder_by_class_and_date(story):
    bruno = story.shareholders.get(member__user__username="bruno")

    assert shares_of(bruno, on=D(2023, 6, 12)) == 7
    assert shares_of(bruno, share_class=share_class(story, "A"), on=D(2023, 6, 12)) == 2
    assert shares_of(bruno, share_class=share_class(story, "B"), on=D(2023, 2, 7)) == 0
    assert shares_of(bruno) == 0


def test_the_capital_history_has_the_capital_at_the_end_of_each_day_with_a_movement(story):
    assert capital_history(story) == [
        (D(2023, 1, 16), 100000),
        (D(2023, 2, 8), 110000),
        (D(2023, 6, 12), 110000),
        (D(2024, 6, 4), 86000),
    ]


def test_the_register_lists_every_movement_in_order(story):
    assert [(m.number, m.kind, m.quantity, m.capital_delta) for m in register(story)] == [
        (1, "subscription", 10, 100000),
        (2, "subscription", 5, 10000),
        (3, "transfer", 2, 0),
        (4, "redemption", 5, -10000),
        (5, "redemption", 2, -20000),
        (6, "subscription", 3, 6000),
    ]


def voters(cooperative: Cooperative, day: datetime.date | None) -> dict[str, list[str]]:
    return {entry.college.name: [v.display_name for v in entry.voters] for entry in voters_at(cooperative, day)}


def test_someone_who_redeemed_everything_voted_before_but_not_after(story):
    assert voters(story, D(2023, 1, 15)) == {"Salariés": [], "Usagers": [], "Collectivités": []}
    assert voters(story, D(2024, 6, 3)) == {"Salariés": ["Alice"], "Usagers": ["Bruno"], "Collectivités": []}
    assert voters(story, D(2024, 6, 4)) == {"Salariés": ["Alice"], "Usagers": ["Chloe"], "Collectivités": []}
    assert voters(story, None) == voters(story, timezone.localdate())
    assert voters(story, None) == {"Salariés": ["Alice"], "Usagers": ["Chloe"], "Collectivités": []}


def test_an_admitted_member_whose_shares_are_not_paid_yet_is_no_voter(story, make_member):
    daniel = make_member(username="daniel")
    request = subscription_request_create(
        cooperative=story,
        share_class=share_class(story, "A"),
        quantity=1,
        college=college(story, "Collectivités"),
        actor=daniel.user,
    )
    subscription_request_approve(request=request, board_decision="CA 2024-07", actor=administrator())

    assert voters(story, None)["Collectivités"] == []


def test_members_per_college_counts_the_admitted_shareholders(story):
    counted = [(c.name, c.weight, c.admitted) for c in members_per_college(story)]  # type: ignore[attr-defined]
    assert counted == [
        ("Salariés", 40, 1),
        ("Usagers", 30, 1),
        ("Collectivités", 30, 0),
    ]
