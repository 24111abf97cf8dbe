"""Every statutory rule of the register refuses with its code and a message naming the numbers.

Each refusal is checked to write nothing: no movement, no ledger transaction, no change to a
request or a shareholder (`refused`).
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone, translation
from djmoney.money import Money

from cooperative.models import Cooperative, RedemptionRequest, Shareholder, SubscriptionRequest
from cooperative.services.register import movement_cancel, share_transfer
from cooperative.services.requests import (
    redemption_request_approve,
    redemption_request_create,
    redemption_request_pay,
    redemption_request_reject,
    share_subscribe,
    subscription_request_approve,
    subscription_request_cancel,
    subscription_request_create,
    subscription_request_pay,
    subscription_request_reject,
)
from cooperative.services.setup import colleges_define, cooperative_create, share_class_create, shareholder_admit
from members.models import Member
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.cooperative.test_worked_examples import (
    assert_books,
    everything,
    holdings,
    movement_of,
    redeemed,
    refused,
    shareholder,
    subscribed,
)

pytestmark = pytest.mark.django_db

D = datetime.date
ONLY_ADMINISTRATORS = "Only an administrator of the register may do this."
NOT_PENDING = "This request has already been decided."
OUT_OF_ORDER = "A movement cannot be dated before the register's last movement, nor in the future."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def transfer(cooperative: Cooperative, giver: Shareholder, taker: Shareholder, quantity: int, code: str = "A", **kw):
    return share_transfer(
        cooperative=cooperative,
        from_shareholder=giver,
        to_shareholder=taker,
        share_class=share_class(cooperative, code),
        quantity=quantity,
        board_decision=kw.pop("board_decision", "CA cession"),
        actor=kw.pop("actor", administrator()),
        effective_on=kw.pop("effective_on", D(2023, 9, 1)),
    )


def ask(cooperative: Cooperative, member: Member, quantity: int, code: str = "A", college_name: str = "Usagers"):
    return subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, code),
        quantity=quantity,
        college=college(cooperative, college_name),
        actor=member.user,
    )


def approved_redemption(holder: Shareholder, quantity: int, code: str = "A", on: datetime.date | None = None):
    request = redemption_request_create(
        shareholder=holder, share_class=share_class(holder.cooperative, code), quantity=quantity, actor=administrator()
    )
    return redemption_request_approve(request=request, board_decision="CA remboursement", actor=administrator(), on=on)


# --- minimum holding ------------------------------------------------------------------------------


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


# --- maximum holding ------------------------------------------------------------------------------


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


# --- lock-up ----------------------------------------------------------------------------------------


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


# --- capital floor --------------------------------------------------------------------------------


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


# --- admission ------------------------------------------------------------------------------------


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


# --- not enough shares ----------------------------------------------------------------------------


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


# --- dates ------------------------------------------------------------------------------------------


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


# --- requests already decided -------------------------------------------------------------------


def test_a_subscription_request_already_decided_cannot_be_decided_again(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    admin = administrator()
    requested = ask(cooperative, alice, 1)
    with refused(cooperative, "request_not_pending", NOT_PENDING):
        subscription_request_pay(request=requested, actor=admin)
    subscription_request_approve(request=requested, board_decision="CA 1", actor=admin)
    with refused(cooperative, "request_not_pending", NOT_PENDING):
        subscription_request_approve(request=requested, board_decision="CA 2", actor=admin)
    subscription_request_pay(request=requested, actor=admin)
    for decide in (
        lambda: subscription_request_approve(request=requested, board_decision="CA 3", actor=admin),
        lambda: subscription_request_reject(request=requested, reason="Trop tard", actor=admin),
        lambda: subscription_request_cancel(request=requested, actor=alice.user),
    ):
        with refused(cooperative, "request_not_pending", NOT_PENDING):
            decide()

    rejected = ask(cooperative, alice, 1)
    subscription_request_reject(request=rejected, reason="Pas de place", actor=admin)
    for decide in (
        lambda: subscription_request_approve(request=rejected, board_decision="CA 4", actor=admin),
        lambda: subscription_request_pay(request=rejected, actor=admin),
        lambda: subscription_request_reject(request=rejected, reason="Encore", actor=admin),
    ):
        with refused(cooperative, "request_not_pending", NOT_PENDING):
            decide()


def test_a_redemption_request_already_decided_cannot_be_decided_again(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    admin = administrator()
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    holder = shareholder(cooperative, alice)
    requested = redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "A"), quantity=1, actor=admin
    )
    with refused(cooperative, "request_not_pending", NOT_PENDING):
        redemption_request_pay(request=requested, actor=admin)
    redemption_request_approve(request=requested, board_decision="CA 1", actor=admin)
    with refused(cooperative, "request_not_pending", NOT_PENDING):
        redemption_request_approve(request=requested, board_decision="CA 2", actor=admin)
    redemption_request_pay(request=requested, actor=admin)
    with refused(cooperative, "request_not_pending", NOT_PENDING):
        redemption_request_reject(request=requested, reason="Trop tard", actor=admin)

    rejected = redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "A"), quantity=1, actor=admin
    )
    redemption_request_reject(request=rejected, reason="Capital insuffisant", actor=admin)
    for decide in (
        lambda: redemption_request_approve(request=rejected, board_decision="CA 3", actor=admin),
        lambda: redemption_request_pay(request=rejected, actor=admin),
    ):
        with refused(cooperative, "request_not_pending", NOT_PENDING):
            decide()


# --- the board's decision -------------------------------------------------------------------------


def test_the_boards_decision_reference_is_required_where_the_statutes_need_it(make_member):
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    admin = administrator()
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "A", 1, paid_on=D(2023, 1, 16))
    alice_holder = shareholder(cooperative, alice)
    required = {"board_decision": ["Give the reference of the board's decision."]}
    request = ask(cooperative, bruno, 1)
    redemption = redemption_request_create(
        shareholder=alice_holder, share_class=share_class(cooperative, "A"), quantity=1, actor=admin
    )

    for decision in ("", "   "):
        with refused(cooperative, "invalid", fields=required):
            subscription_request_approve(request=request, board_decision=decision, actor=admin)
        with refused(cooperative, "invalid", fields=required):
            redemption_request_approve(request=redemption, board_decision=decision, actor=admin)
        with refused(cooperative, "invalid", fields=required):
            transfer(cooperative, alice_holder, shareholder(cooperative, bruno), 1, board_decision=decision)
        with refused(cooperative, "invalid", fields=required):
            share_subscribe(
                cooperative=cooperative,
                shareholder=alice_holder,
                share_class=share_class(cooperative, "A"),
                quantity=1,
                board_decision=decision,
                actor=admin,
            )
    with refused(cooperative, "invalid", fields={"board_decision": ["At most 100 characters."]}):
        subscription_request_approve(request=request, board_decision="x" * 101, actor=admin)


def test_without_board_approval_in_the_statutes_an_administrator_records_a_subscription_without_reference(
    make_member,
):
    cooperative = found_scic(board_approval_required=False)
    alice = shareholder_admit(
        cooperative=cooperative,
        college=college(cooperative, "Salariés"),
        member=make_member(username="alice"),
        actor=administrator(),
    )

    request = share_subscribe(
        cooperative=cooperative,
        shareholder=alice,
        share_class=share_class(cooperative, "B"),
        quantity=2,
        board_decision="",
        actor=administrator(),
        paid_on=D(2024, 2, 1),
    )

    assert (request.status, request.source, movement_of(request).board_decision) == (
        SubscriptionRequest.Status.ISSUED,
        SubscriptionRequest.Source.ADMINISTRATOR,
        "",
    )
    assert_books(cooperative, 4000)


# --- permissions ------------------------------------------------------------------------------------


def test_members_cannot_administer_the_register(make_member):
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "A", 1, paid_on=D(2023, 1, 16))
    alice_holder, bruno_holder = shareholder(cooperative, alice), shareholder(cooperative, bruno)
    request = ask(cooperative, bruno, 1)
    first = SubscriptionRequest.objects.order_by("id").first()
    redemption = redemption_request_create(
        shareholder=alice_holder, share_class=share_class(cooperative, "A"), quantity=1, actor=alice.user
    )
    user = alice.user
    attempts = [
        lambda: subscription_request_approve(request=request, board_decision="CA", actor=user),
        lambda: subscription_request_reject(request=request, reason="Non", actor=user),
        lambda: subscription_request_pay(request=request, actor=user),
        lambda: share_subscribe(
            cooperative=cooperative,
            shareholder=alice_holder,
            share_class=share_class(cooperative, "A"),
            quantity=1,
            board_decision="CA",
            actor=user,
        ),
        lambda: transfer(cooperative, alice_holder, bruno_holder, 1, actor=user),
        lambda: movement_cancel(movement=movement_of(first), reason="Erreur", board_decision="", actor=user),
        lambda: redemption_request_approve(request=redemption, board_decision="CA", actor=user),
        lambda: redemption_request_reject(request=redemption, reason="Non", actor=user),
        lambda: redemption_request_pay(request=redemption, actor=user),
        lambda: shareholder_admit(
            cooperative=cooperative, college=college(cooperative, "Usagers"), member=alice, actor=user
        ),
        lambda: share_class_create(
            cooperative=cooperative, code="C", name="Partenaires", nominal_value=Money("50", "EUR"), actor=user
        ),
        lambda: colleges_define(
            cooperative=cooperative,
            colleges=[{"name": "Tous", "weight": 50}, {"name": "Autres", "weight": 50}],
            actor=user,
        ),
        lambda: cooperative_create(
            name="Autre", legal_form="scop", siren="248500530", seat_address="Les Achards", actor=user
        ),
        lambda: subscription_request_approve(request=request, board_decision="CA", actor=None),
    ]
    for attempt in attempts:
        with refused(cooperative, "permission_denied", ONLY_ADMINISTRATORS):
            attempt()
    assert Cooperative.objects.count() == 1


def test_members_act_only_for_themselves(make_member):
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    alice_request = ask(cooperative, alice, 1)

    with refused(cooperative, "permission_denied", "You may only ask for shares for yourself."):
        subscription_request_create(
            cooperative=cooperative,
            share_class=share_class(cooperative, "A"),
            quantity=1,
            member=alice,
            college=college(cooperative, "Usagers"),
            actor=bruno.user,
        )
    with refused(cooperative, "permission_denied", "You may only ask for shares for yourself."):
        subscription_request_create(
            cooperative=cooperative,
            share_class=share_class(cooperative, "A"),
            quantity=1,
            college=college(cooperative, "Usagers"),
            actor=None,
        )
    with refused(cooperative, "permission_denied", "You may only ask to redeem your own shares."):
        redemption_request_create(
            shareholder=shareholder(cooperative, alice),
            share_class=share_class(cooperative, "A"),
            quantity=1,
            actor=bruno.user,
        )
    with refused(cooperative, "permission_denied", "Only the member who asked may cancel this request."):
        subscription_request_cancel(request=alice_request, actor=bruno.user)
    with refused(cooperative, "permission_denied", "Only the member who asked may cancel this request."):
        subscription_request_cancel(request=alice_request, actor=administrator())


def test_the_register_permission_makes_an_administrator_but_auditing_the_ledger_does_not(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    secretary = User.objects.create_user(username="secretaire-ca", password="bocage-test-password-1")
    secretary.user_permissions.add(Permission.objects.get(codename="administer_register"))
    auditor = User.objects.create_user(username="auditeur", password="bocage-test-password-1")
    auditor.user_permissions.add(Permission.objects.get(codename="audit_ledger"))
    retired = User.objects.create_user(username="ancien", password="bocage-test-password-1", is_staff=True)
    retired.is_active = False
    retired.save()
    request = ask(cooperative, alice, 1)

    for user in (auditor, retired):
        with refused(cooperative, "permission_denied", ONLY_ADMINISTRATORS):
            subscription_request_approve(request=request, board_decision="CA", actor=User.objects.get(pk=user.pk))

    subscription_request_approve(
        request=request, board_decision="CA", actor=User.objects.get(pk=secretary.pk), on=D(2024, 1, 5)
    )
    request.refresh_from_db()
    assert (request.status, request.decided_by_id) == (SubscriptionRequest.Status.APPROVED, secretary.pk)
    assert everything(cooperative)[0] == []
