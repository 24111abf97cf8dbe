"""Statutory rules on holdings: the minimum and maximum per member, the lock-up, the capital floor.

Each refusal names the numbers and is checked to write nothing: no movement, no ledger transaction, no
change to a request or a shareholder (`refused`).
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from djmoney.money import Money

from cooperative.models import RedemptionRequest, Shareholder, SubscriptionRequest
from cooperative.services.register import movement_cancel
from cooperative.services.requests import (
    redemption_request_create,
    redemption_request_pay,
    share_subscribe,
    subscription_request_approve,
    subscription_request_pay,
)
from cooperative.services.setup import shareholder_admit
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.cooperative.rules_support import (
    D,
    approved_redemption,
    ask,
    english,
    transfer,
)
from tests.cooperative.test_worked_examples import (
    assert_books,
    holdings,
    movement_of,
    refused,
    shareholder,
    subscribed,
)

pytestmark = pytest.mark.django_db

__all__ = ["english"]  # an autouse fixture: messages are read in English


def test_a_first_subscription_below_the_minimum_is_refused_at_the_request(make_member):
    cooperative = found_scic(min_shares_per_member=5)
    alice = make_member(username="alice")

    with refused(cooperative, "below_minimum_holding", "Alice would hold 3 shares; the statutes require at least 5."):
        ask(cooperative, alice, 3, code="B")

    assert SubscriptionRequest.objects.count() == 0
    ask(cooperative, alice, 5, code="B")
    assert SubscriptionRequest.objects.count() == 1


def test_a_subscription_recorded_by_an_administrator_below_the_minimum_leaves_no_request_behind(make_member):
    cooperative = found_scic(min_shares_per_member=5)
    alice = shareholder_admit(
        cooperative=cooperative,
        college=college(cooperative, "Salariés"),
        member=make_member(username="alice"),
        actor=administrator(),
    )

    with refused(cooperative, "below_minimum_holding", "Alice would hold 3 shares; the statutes require at least 5."):
        share_subscribe(
            cooperative=cooperative,
            shareholder=alice,
            share_class=share_class(cooperative, "A"),
            quantity=3,
            board_decision="CA 2024-01",
            actor=administrator(),
        )

    assert SubscriptionRequest.objects.count() == 0
    assert_books(cooperative, 0)


def test_a_redemption_leaving_fewer_shares_than_the_minimum_is_refused_but_leaving_none_is_allowed(make_member):
    cooperative = found_scic(min_shares_per_member=5)
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 6, paid_on=D(2023, 1, 16))
    holder = shareholder(cooperative, alice)

    with refused(
        cooperative,
        "below_minimum_holding",
        "Alice would keep 4 shares; the statutes require at least 5, or none to leave the cooperative.",
    ):
        redemption_request_create(
            shareholder=holder, share_class=share_class(cooperative, "A"), quantity=2, actor=alice.user
        )

    request = redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "A"), quantity=6, actor=alice.user
    )
    assert (request.status, request.quantity) == (RedemptionRequest.Status.REQUESTED, 6)


def test_the_minimum_is_checked_again_when_a_redemption_is_paid(make_member):
    cooperative = found_scic(min_shares_per_member=5)
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 10, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "A", 5, paid_on=D(2023, 1, 16))
    request = approved_redemption(shareholder(cooperative, alice), 5, on=D(2023, 2, 1))
    # Meanwhile Alice sells two shares: the redemption would now leave her three.
    transfer(cooperative, shareholder(cooperative, alice), shareholder(cooperative, bruno), 2)

    with refused(
        cooperative,
        "below_minimum_holding",
        "Alice would keep 3 shares; the statutes require at least 5, or none to leave the cooperative.",
    ):
        redemption_request_pay(request=request, actor=administrator(), paid_on=D(2023, 9, 1))

    request.refresh_from_db()
    assert request.status == RedemptionRequest.Status.APPROVED
    assert_books(cooperative, 150000)


def test_a_transfer_leaving_the_seller_fewer_shares_than_the_minimum_is_refused(make_member):
    cooperative = found_scic(min_shares_per_member=5)
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 6, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "A", 5, paid_on=D(2023, 1, 16))

    with refused(
        cooperative,
        "below_minimum_holding",
        "Alice would keep 4 shares; the statutes require at least 5, or none to leave the cooperative.",
    ):
        transfer(cooperative, shareholder(cooperative, alice), shareholder(cooperative, bruno), 2)


def test_a_subscription_above_the_maximum_is_refused(make_member):
    cooperative = found_scic(max_shares_per_member=10)
    alice = make_member(username="alice")

    with refused(cooperative, "above_maximum_holding", "Alice would hold 11 shares; the statutes allow at most 10."):
        ask(cooperative, alice, 11)

    assert SubscriptionRequest.objects.count() == 0


def test_pending_requests_count_towards_the_maximum(make_member):
    cooperative = found_scic(max_shares_per_member=10)
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 6, paid_on=D(2023, 1, 16))
    ask(cooperative, alice, 2)  # requested
    subscription_request_approve(request=ask(cooperative, alice, 1), board_decision="CA", actor=administrator())

    with refused(cooperative, "above_maximum_holding", "Alice would hold 11 shares; the statutes allow at most 10."):
        ask(cooperative, alice, 2)

    ask(cooperative, alice, 1)
    assert SubscriptionRequest.objects.filter(status__in=["requested", "approved"]).count() == 3


def test_a_newcomers_pending_requests_count_towards_the_maximum(make_member):
    cooperative = found_scic(max_shares_per_member=10)
    alice = make_member(username="alice")
    ask(cooperative, alice, 6)

    with refused(cooperative, "above_maximum_holding", "Alice would hold 11 shares; the statutes allow at most 10."):
        ask(cooperative, alice, 5)


def test_the_maximum_is_checked_again_when_a_subscription_is_paid(make_member):
    cooperative = found_scic(max_shares_per_member=10)
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 6, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "A", 5, paid_on=D(2023, 1, 16))
    request = ask(cooperative, alice, 4)
    subscription_request_approve(request=request, board_decision="CA 2023-08", actor=administrator())
    # A transfer does not know of the pending request: Alice now holds 8.
    transfer(cooperative, shareholder(cooperative, bruno), shareholder(cooperative, alice), 2)

    with refused(cooperative, "above_maximum_holding", "Alice would hold 12 shares; the statutes allow at most 10."):
        subscription_request_pay(request=request, actor=administrator(), paid_on=D(2023, 9, 2))

    request.refresh_from_db()
    assert request.status == SubscriptionRequest.Status.APPROVED


def test_a_transfer_above_the_buyers_maximum_is_refused(make_member):
    cooperative = found_scic(max_shares_per_member=10)
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 6, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "B", 8, paid_on=D(2023, 1, 16))

    with refused(cooperative, "above_maximum_holding", "Bruno would hold 11 shares; the statutes allow at most 10."):
        transfer(cooperative, shareholder(cooperative, alice), shareholder(cooperative, bruno), 3)


def test_only_the_shares_past_their_lock_up_may_be_redeemed(make_member):
    cooperative = found_scic(lockup_months=12)
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, alice, "Salariés", "A", 3, paid_on=timezone.localdate() - datetime.timedelta(days=30))
    holder = shareholder(cooperative, alice)
    message = "Only 4 of these shares have been held for 12 months (the lock-up); the others can be redeemed later."

    with refused(cooperative, "lockup_not_over", message):
        redemption_request_create(
            shareholder=holder, share_class=share_class(cooperative, "A"), quantity=5, actor=alice.user
        )

    redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "A"), quantity=3, actor=alice.user
    )
    # The three asked for are counted: one more is still free, two are not.
    with refused(cooperative, "lockup_not_over", message):
        redemption_request_create(
            shareholder=holder, share_class=share_class(cooperative, "A"), quantity=2, actor=alice.user
        )
    redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "A"), quantity=1, actor=alice.user
    )
    assert RedemptionRequest.objects.count() == 2


def test_the_lock_up_is_counted_back_from_the_day_of_the_payment(make_member):
    cooperative = found_scic(lockup_months=12)
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    request = approved_redemption(shareholder(cooperative, alice), 4, on=D(2023, 6, 1))

    with refused(
        cooperative,
        "lockup_not_over",
        "Only 0 of these shares have been held for 12 months (the lock-up); the others can be redeemed later.",
    ):
        redemption_request_pay(request=request, actor=administrator(), paid_on=D(2024, 1, 15))

    redemption_request_pay(request=request, actor=administrator(), paid_on=D(2024, 1, 16))
    assert holdings(cooperative) == {}
    assert_books(cooperative, 0)


def test_a_redemption_taking_the_capital_below_its_floor_is_refused_at_payment(make_member):
    cooperative = found_scic(capital_floor=Money("500", "EUR"))
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "A", 2, paid_on=D(2023, 1, 16))
    request = approved_redemption(shareholder(cooperative, bruno), 2, on=D(2023, 2, 1))

    with refused(
        cooperative, "capital_below_floor", "The capital would fall to 400,00 €, below the statutory floor of 500,00 €."
    ):
        redemption_request_pay(request=request, actor=administrator(), paid_on=D(2023, 2, 1))

    assert shareholder(cooperative, bruno).status == Shareholder.Status.ADMITTED
    assert_books(cooperative, 60000)


def test_cancelling_a_subscription_below_the_capital_floor_is_refused(make_member):
    cooperative = found_scic(capital_floor=Money("500", "EUR"))
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    bruno_request = subscribed(cooperative, bruno, "Usagers", "A", 2, paid_on=D(2023, 1, 16))

    with refused(
        cooperative, "capital_below_floor", "The capital would fall to 400,00 €, below the statutory floor of 500,00 €."
    ):
        movement_cancel(movement=movement_of(bruno_request), reason="Erreur", board_decision="", actor=administrator())
