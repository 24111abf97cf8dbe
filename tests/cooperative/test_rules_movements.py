"""Statutory rules on movements: admission, not enough shares, cancellations, and dates in order.

Each refusal names the numbers and is checked to write nothing: no movement, no ledger transaction, no
change to a request or a shareholder (`refused`).
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cooperative.models import Shareholder
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
    OUT_OF_ORDER,
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
    redeemed,
    refused,
    shareholder,
    subscribed,
)

pytestmark = pytest.mark.django_db

__all__ = ["english"]  # an autouse fixture: messages are read in English


def test_shares_cannot_be_transferred_to_a_shareholder_who_has_left(make_member):
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "A", 2, paid_on=D(2023, 1, 16))
    redeemed(shareholder(cooperative, bruno), "A", 2, approved_on=D(2023, 2, 1), paid_on=D(2023, 2, 1))
    assert shareholder(cooperative, bruno).status == Shareholder.Status.LEFT

    with refused(cooperative, "not_admitted", "Shares can only go to a shareholder the board has admitted."):
        transfer(cooperative, shareholder(cooperative, alice), shareholder(cooperative, bruno), 1)


def test_shares_cannot_be_transferred_to_someone_who_is_not_a_member_of_the_cooperative(make_member):
    cooperative = found_scic()
    elsewhere = found_scic(siren="248500530")
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    stranger = shareholder_admit(
        cooperative=elsewhere, college=college(elsewhere, "Usagers"), member=bruno, actor=administrator()
    )

    with refused(cooperative, "not_admitted", "Shares can only go to a shareholder the board has admitted."):
        transfer(cooperative, shareholder(cooperative, alice), stranger, 1)
    # Nor can shares of another cooperative's shareholder be moved here.
    with refused(cooperative, "not_enough_shares"):
        transfer(cooperative, stranger, shareholder(cooperative, alice), 1)


def test_a_subscription_for_another_cooperatives_shareholder_is_refused(make_member):
    cooperative = found_scic()
    elsewhere = found_scic(siren="248500530")
    stranger = shareholder_admit(
        cooperative=elsewhere,
        college=college(elsewhere, "Usagers"),
        member=make_member(username="bruno"),
        actor=administrator(),
    )

    with refused(cooperative, "not_admitted"):
        share_subscribe(
            cooperative=cooperative,
            shareholder=stranger,
            share_class=share_class(cooperative, "A"),
            quantity=1,
            board_decision="CA",
            actor=administrator(),
        )


def test_a_transfer_of_more_shares_of_a_class_than_held_is_refused(make_member):
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, alice, "Salariés", "B", 6, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "B", 1, paid_on=D(2023, 1, 16))

    with refused(cooperative, "not_enough_shares", "Alice holds 4 shares of class A, not 5."):
        transfer(cooperative, shareholder(cooperative, alice), shareholder(cooperative, bruno), 5)
    with refused(cooperative, "not_enough_shares", "Bruno holds 0 shares of class A, not 1."):
        transfer(cooperative, shareholder(cooperative, bruno), shareholder(cooperative, alice), 1)


def test_redemptions_asked_for_cannot_exceed_the_shares_held(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "B", 2, paid_on=D(2023, 1, 16))
    holder = shareholder(cooperative, alice)

    with refused(cooperative, "not_enough_shares", "2 shares held, 0 already asked for: at most 2 more."):
        redemption_request_create(
            shareholder=holder, share_class=share_class(cooperative, "B"), quantity=3, actor=alice.user
        )
    redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "B"), quantity=1, actor=alice.user
    )
    with refused(cooperative, "not_enough_shares", "2 shares held, 1 already asked for: at most 1 more."):
        redemption_request_create(
            shareholder=holder, share_class=share_class(cooperative, "B"), quantity=2, actor=alice.user
        )


def test_a_subscription_whose_shares_have_moved_on_cannot_be_cancelled(make_member):
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    alice_request = subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "A", 1, paid_on=D(2023, 1, 16))
    transfer(cooperative, shareholder(cooperative, alice), shareholder(cooperative, bruno), 1)

    with refused(
        cooperative, "not_enough_shares", "Alice no longer holds these shares: record a new movement instead."
    ):
        movement_cancel(movement=movement_of(alice_request), reason="Erreur", board_decision="", actor=administrator())


def test_a_movement_is_cancelled_once_and_a_cancellation_is_never_cancelled(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    mistake = subscribed(cooperative, alice, "Salariés", "A", 2, paid_on=D(2023, 1, 16))
    cancellation = movement_cancel(
        movement=movement_of(mistake), reason="Erreur", board_decision="", actor=administrator()
    )

    with refused(cooperative, "already_cancelled", "This movement has already been cancelled."):
        movement_cancel(movement=movement_of(mistake), reason="Encore", board_decision="", actor=administrator())
    with refused(cooperative, "invalid", "A cancellation cannot itself be cancelled; record a new movement."):
        movement_cancel(movement=cancellation, reason="Encore", board_decision="", actor=administrator())
    with refused(cooperative, "invalid", fields={"reason": ["Say why the movement is cancelled."]}):
        movement_cancel(movement=movement_of(mistake), reason="  ", board_decision="", actor=administrator())
    assert_books(cooperative, 40000)


def test_a_movement_dated_before_the_registers_last_or_in_the_future_is_refused(make_member):
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 3, 1))
    subscribed(cooperative, bruno, "Usagers", "A", 2, paid_on=D(2023, 3, 1))
    alice_holder, bruno_holder = shareholder(cooperative, alice), shareholder(cooperative, bruno)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    for day in (D(2023, 2, 28), tomorrow):
        with refused(cooperative, "date_out_of_order", OUT_OF_ORDER):
            share_subscribe(
                cooperative=cooperative,
                shareholder=alice_holder,
                share_class=share_class(cooperative, "A"),
                quantity=1,
                board_decision="CA",
                actor=administrator(),
                paid_on=day,
            )
        with refused(cooperative, "date_out_of_order", OUT_OF_ORDER):
            transfer(cooperative, alice_holder, bruno_holder, 1, effective_on=day)
    request = approved_redemption(bruno_holder, 2, on=D(2023, 1, 1))
    with refused(cooperative, "date_out_of_order", OUT_OF_ORDER):
        redemption_request_pay(request=request, actor=administrator(), paid_on=D(2023, 2, 28))
    request = ask(cooperative, alice, 1)
    subscription_request_approve(request=request, board_decision="CA", actor=administrator())
    with refused(cooperative, "date_out_of_order", OUT_OF_ORDER):
        subscription_request_pay(request=request, actor=administrator(), paid_on=tomorrow)

    # The same day as the last movement is in order.
    transfer(cooperative, alice_holder, bruno_holder, 1, effective_on=D(2023, 3, 1))
    assert holdings(cooperative) == {("Alice", "A"): 3, ("Bruno", "A"): 3}
