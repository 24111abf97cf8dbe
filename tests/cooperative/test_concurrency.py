"""Administrators and members racing on the register, on real PostgreSQL connections.

Each thread has its own database connection (Django's are per thread, closed at the end) and calls
the services as concurrent web requests would. Only business refusals (a clean ApplicationError)
are expected; anything else fails the test. Whatever the order, the movements are numbered 1..n
without gap or duplicate and the capital account holds exactly the register's capital.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from djmoney.money import Money

from cooperative.kinds import SHARE_REDEMPTION, SHARE_SUBSCRIPTION
from cooperative.models import RedemptionRequest, Shareholder, ShareMovement, SubscriptionRequest
from cooperative.selectors import capital_at
from cooperative.services.requests import (
    redemption_request_approve,
    redemption_request_create,
    redemption_request_pay,
    subscription_request_approve,
    subscription_request_create,
    subscription_request_pay,
)
from core.errors import ApplicationError
from ledger.models import Transaction
from tests.concurrency import race
from tests.conftest import requires_postgresql
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.cooperative.test_worked_examples import assert_books, movement_of, shareholder, subscribed

pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]

MEMBERS = 16


def codes(outcomes: list[Any], success: str) -> Counter:
    return Counter(o.code if isinstance(o, ApplicationError) else success for o in outcomes)


def numbers() -> list[int]:
    return list(ShareMovement.objects.order_by("number").values_list("number", flat=True))


def approve_and_pay(request: SubscriptionRequest) -> Callable[[], SubscriptionRequest]:
    def decide() -> SubscriptionRequest:
        subscription_request_approve(request=request, board_decision="CA 2024-06", actor=administrator())
        return subscription_request_pay(request=request, actor=administrator())

    return decide


def test_sixteen_approvals_and_payments_at_once_are_numbered_one_to_sixteen(make_member):
    cooperative = found_scic()
    administrator()
    requests = [
        subscription_request_create(
            cooperative=cooperative,
            share_class=share_class(cooperative, "AB"[index % 2]),
            quantity=index % 3 + 1,
            college=college(cooperative, "Usagers"),
            actor=make_member(username=f"voisin{index:02d}").user,
        )
        for index in range(MEMBERS)
    ]
    expected_capital = sum((i % 3 + 1) * (10000 if i % 2 == 0 else 2000) for i in range(MEMBERS))

    outcomes = race([approve_and_pay(request) for request in requests])

    assert codes(outcomes, "issued") == Counter({"issued": MEMBERS})
    assert numbers() == list(range(1, MEMBERS + 1))
    issued = SubscriptionRequest.objects.filter(status=SubscriptionRequest.Status.ISSUED)
    assert sorted(issued.values_list("movement__number", flat=True)) == list(range(1, MEMBERS + 1))
    for request in issued.select_related("movement", "share_class"):
        assert (movement_of(request).quantity, movement_of(request).capital_delta) == (request.quantity, request.amount)
    assert Shareholder.objects.filter(status=Shareholder.Status.ADMITTED).count() == MEMBERS
    assert Transaction.objects.filter(kind=SHARE_SUBSCRIPTION).count() == MEMBERS
    assert expected_capital == 16 * 10000 + 15 * 2000  # 16 A shares, 15 B shares
    assert_books(cooperative, expected_capital)


def paying(request: RedemptionRequest) -> Callable[[], RedemptionRequest]:
    return lambda: redemption_request_pay(request=request, actor=administrator())


def test_redemptions_racing_never_take_the_capital_below_its_floor(make_member):
    cooperative = found_scic(capital_floor=Money("2500", "EUR"))
    holders = []
    for index in range(8):
        member = make_member(username=f"associe{index}")
        subscribed(cooperative, member, "Salariés", "A", 5)
        holders.append(shareholder(cooperative, member))
    assert_books(cooperative, 400000)
    requests = []
    for holder in holders:
        request = redemption_request_create(
            shareholder=holder, share_class=share_class(cooperative, "A"), quantity=5, actor=administrator()
        )
        requests.append(redemption_request_approve(request=request, board_decision="AG 2024", actor=administrator()))

    outcomes = race([paying(request) for request in requests])

    # 4 000 € − 3 × 500 € = 2 500 €: the floor exactly; a fourth would go below it.
    assert codes(outcomes, "paid") == Counter({"paid": 3, "capital_below_floor": 5})
    assert capital_at(cooperative) == 250000
    assert_books(cooperative, 250000)
    assert numbers() == list(range(1, 12))
    assert RedemptionRequest.objects.filter(status=RedemptionRequest.Status.PAID).count() == 3
    assert RedemptionRequest.objects.filter(status=RedemptionRequest.Status.APPROVED).count() == 5
    assert Shareholder.objects.filter(status=Shareholder.Status.LEFT).count() == 3
    assert Transaction.objects.filter(kind=SHARE_REDEMPTION).count() == 3


def test_payments_of_the_same_request_racing_issue_its_shares_once(make_member):
    cooperative = found_scic()
    member = make_member(username="alice")
    request = subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, "A"),
        quantity=3,
        college=college(cooperative, "Salariés"),
        actor=member.user,
    )
    subscription_request_approve(request=request, board_decision="CA 2024-06", actor=administrator())

    outcomes = race([lambda: subscription_request_pay(request=request, actor=administrator())] * 4)

    assert codes(outcomes, "issued") == Counter({"issued": 4})
    assert {outcome.movement_id for outcome in outcomes} == {ShareMovement.objects.get().pk}
    assert numbers() == [1]
    assert Transaction.objects.filter(kind=SHARE_SUBSCRIPTION).count() == 1
    assert_books(cooperative, 30000)


def test_requests_racing_towards_the_maximum_are_counted_together(make_member):
    cooperative = found_scic(max_shares_per_member=10)
    member = make_member(username="alice")

    outcomes = race(
        [
            lambda: subscription_request_create(
                cooperative=cooperative,
                share_class=share_class(cooperative, "B"),
                quantity=4,
                college=college(cooperative, "Usagers"),
                actor=member.user,
            )
        ]
        * 4
    )

    # Two requests of 4 fit under the maximum of 10; a third would make 12.
    assert codes(outcomes, "requested") == Counter({"requested": 2, "above_maximum_holding": 2})
    assert SubscriptionRequest.objects.count() == 2
