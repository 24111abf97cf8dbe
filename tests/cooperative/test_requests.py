"""Members' requests: subscriptions asked, approved, rejected, withdrawn, paid; redemptions likewise."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from cooperative.kinds import SHARE_REDEMPTION, SHARE_SUBSCRIPTION
from cooperative.models import RedemptionRequest, Shareholder, ShareMovement, SubscriptionRequest
from cooperative.services.register import months_after, months_before
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
from cooperative.services.setup import shareholder_admit
from ledger.models import Transaction
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.cooperative.test_worked_examples import (
    assert_books,
    holdings,
    ledger_counts,
    redeemed,
    refused,
    register_lines,
    shareholder,
    subscribed,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- subscription requests ------------------------------------------------------------------------


def test_a_shareholder_asking_for_more_shares_stays_in_their_college(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 2, paid_on=D(2023, 1, 16))

    request = subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, "B"),
        quantity=3,
        college=college(cooperative, "Usagers"),
        actor=alice.user,
    )

    assert (request.college.name, request.shareholder, request.status) == (
        "Salariés",
        shareholder(cooperative, alice),
        SubscriptionRequest.Status.REQUESTED,
    )


def test_an_administrator_asks_on_behalf_of_a_member(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")

    request = subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, "B"),
        quantity=3,
        member=alice,
        college=college(cooperative, "Usagers"),
        source=SubscriptionRequest.Source.ADMINISTRATOR,
        actor=administrator(),
    )

    assert (request.member, request.source, request.amount) == (alice, "administrator", 6000)


@pytest.mark.parametrize("quantity", [0, -1, True, "3", 2.0, 1_000_001, None])
def test_a_request_for_anything_but_a_whole_number_of_shares_is_refused(make_member, quantity):
    cooperative = found_scic()
    alice = make_member(username="alice")

    with refused(cooperative, "invalid", fields={"quantity": ["A whole number of shares, at least 1."]}):
        subscription_request_create(
            cooperative=cooperative,
            share_class=share_class(cooperative, "A"),
            quantity=quantity,
            college=college(cooperative, "Usagers"),
            actor=alice.user,
        )


def test_a_newcomer_names_one_of_the_cooperatives_colleges_and_classes(make_member):
    cooperative = found_scic()
    elsewhere = found_scic(siren="248500530")
    alice = make_member(username="alice")

    def ask(**kw):
        fields = {
            "cooperative": cooperative,
            "share_class": share_class(cooperative, "A"),
            "quantity": 1,
            "college": college(cooperative, "Usagers"),
            "actor": alice.user,
        }
        return subscription_request_create(**{**fields, **kw})

    with refused(cooperative, "invalid", fields={"college": ["Choose the college you ask to join."]}):
        ask(college=None)
    with refused(cooperative, "invalid", fields={"college": ["Choose the college you ask to join."]}):
        ask(college=college(elsewhere, "Usagers"))
    with refused(cooperative, "invalid", fields={"share_class": ["This share class is not this cooperative's."]}):
        ask(share_class=share_class(elsewhere, "A"))
    with refused(cooperative, "invalid", fields={"source": ["Unknown source."]}):
        ask(source="letter")
    assert SubscriptionRequest.objects.count() == 0


def test_a_rejected_request_admits_nobody_and_needs_a_reason(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    request = subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, "A"),
        quantity=1,
        college=college(cooperative, "Usagers"),
        actor=alice.user,
    )

    for reason in ("", "   ", "x" * 501):
        with refused(cooperative, "invalid", fields={"reason": ["Say why, in at most 500 characters."]}):
            subscription_request_reject(request=request, reason=reason, actor=administrator())
    subscription_request_reject(request=request, reason="  Le collège est complet.  ", actor=administrator())

    request.refresh_from_db()
    assert (request.status, request.rejection_reason, request.decided_by) == (
        SubscriptionRequest.Status.REJECTED,
        "Le collège est complet.",
        administrator(),
    )
    assert Shareholder.objects.count() == 0
    assert ledger_counts() == (0, 0)


def test_an_approved_request_can_still_be_rejected_before_it_is_paid(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    request = subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, "A"),
        quantity=1,
        college=college(cooperative, "Usagers"),
        actor=alice.user,
    )
    subscription_request_approve(request=request, board_decision="CA 2024-01", actor=administrator())

    subscription_request_reject(request=request, reason="Le paiement n'est jamais arrivé.", actor=administrator())

    request.refresh_from_db()
    assert request.status == SubscriptionRequest.Status.REJECTED
    assert register_lines(cooperative) == []


def test_a_member_withdraws_a_request_not_yet_paid(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    requested, approved = (
        subscription_request_create(
            cooperative=cooperative,
            share_class=share_class(cooperative, "A"),
            quantity=1,
            college=college(cooperative, "Usagers"),
            actor=alice.user,
        )
        for _ in range(2)
    )
    subscription_request_approve(request=approved, board_decision="CA 2024-01", actor=administrator())

    subscription_request_cancel(request=requested, actor=alice.user)
    subscription_request_cancel(request=approved, actor=alice.user)

    assert list(SubscriptionRequest.objects.order_by("id").values_list("status", flat=True)) == [
        "cancelled",
        "cancelled",
    ]
    assert register_lines(cooperative) == []
    assert ledger_counts() == (0, 0)


def test_paying_a_request_twice_issues_its_shares_once(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    request = subscribed(cooperative, alice, "Usagers", "B", 4, paid_on=D(2024, 1, 8))

    again = subscription_request_pay(request=request, actor=administrator(), paid_on=D(2024, 1, 9))

    assert (again.pk, again.status, again.movement_id) == (request.pk, "issued", request.movement_id)
    assert ShareMovement.objects.count() == 1
    assert Transaction.objects.filter(kind=SHARE_SUBSCRIPTION).count() == 1
    assert_books(cooperative, 8000)


def test_a_shareholder_who_left_is_admitted_again_when_they_subscribe_again(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 1, paid_on=D(2023, 1, 16), decision="CA 2023-01")
    redeemed(shareholder(cooperative, alice), "A", 1, approved_on=D(2023, 6, 1), paid_on=D(2023, 6, 1))
    assert shareholder(cooperative, alice).status == Shareholder.Status.LEFT

    # She has left: she names a college again, and the board admits her again.
    subscribed(cooperative, alice, "Usagers", "B", 2, paid_on=D(2024, 2, 5), decision="CA 2024-02")

    holder = shareholder(cooperative, alice)
    assert (holder.status, holder.college.name, holder.admitted_on, holder.admission_decision) == (
        Shareholder.Status.ADMITTED,
        "Usagers",
        D(2024, 2, 5),
        "CA 2024-02",
    )
    assert Shareholder.objects.count() == 1
    assert holdings(cooperative) == {("Alice", "B"): 2}
    assert_books(cooperative, 4000)


# --- redemption requests --------------------------------------------------------------------------


def test_a_redemption_falls_due_after_the_statutory_delay_at_the_end_of_a_shorter_month(make_member):
    cooperative = found_scic(redemption_delay_months=1)
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 3, paid_on=D(2023, 1, 16))
    request = redemption_request_create(
        shareholder=shareholder(cooperative, alice),
        share_class=share_class(cooperative, "A"),
        quantity=1,
        actor=alice.user,
    )

    redemption_request_approve(request=request, board_decision="CA 2024-01", actor=administrator(), on=D(2024, 1, 31))

    request.refresh_from_db()
    assert (request.status, request.due_on, request.decided_by) == ("approved", D(2024, 2, 29), administrator())
    with refused(cooperative, "not_due_yet", "This redemption is due on 29 February 2024."):
        redemption_request_pay(request=request, actor=administrator(), paid_on=D(2024, 2, 28))
    redemption_request_pay(request=request, actor=administrator(), paid_on=D(2024, 3, 1))
    assert holdings(cooperative) == {("Alice", "A"): 2}
    assert shareholder(cooperative, alice).status == Shareholder.Status.ADMITTED
    assert_books(cooperative, 20000)


def test_paying_a_redemption_twice_repays_once(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 3, paid_on=D(2023, 1, 16))
    paid = redeemed(shareholder(cooperative, alice), "A", 3, approved_on=D(2023, 2, 1), paid_on=D(2023, 2, 1))

    again = redemption_request_pay(request=paid, actor=administrator(), paid_on=D(2023, 2, 2))

    assert (again.status, again.movement_id) == ("paid", paid.movement_id)
    assert Transaction.objects.filter(kind=SHARE_REDEMPTION).count() == 1
    assert_books(cooperative, 0)


def test_a_rejected_redemption_needs_a_reason_and_frees_the_shares_asked_for(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 3, paid_on=D(2023, 1, 16))
    holder = shareholder(cooperative, alice)
    request = redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "A"), quantity=3, actor=alice.user
    )

    with refused(cooperative, "invalid", fields={"reason": ["Say why, in at most 500 characters."]}):
        redemption_request_reject(request=request, reason="", actor=administrator())
    redemption_request_reject(request=request, reason="Capital trop bas cette année.", actor=administrator())

    request.refresh_from_db()
    assert (request.status, request.rejection_reason, request.due_on) == (
        RedemptionRequest.Status.REJECTED,
        "Capital trop bas cette année.",
        None,
    )
    again = redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "A"), quantity=3, actor=alice.user
    )
    assert again.status == RedemptionRequest.Status.REQUESTED


def test_a_redemption_of_another_cooperatives_class_is_refused(make_member):
    cooperative = found_scic()
    elsewhere = found_scic(siren="248500530")
    alice = make_member(username="alice")
    subscribed(cooperative, alice, "Salariés", "A", 3, paid_on=D(2023, 1, 16))

    with refused(cooperative, "invalid", fields={"share_class": ["This share class is not this cooperative's."]}):
        redemption_request_create(
            shareholder=shareholder(cooperative, alice),
            share_class=share_class(elsewhere, "A"),
            quantity=1,
            actor=alice.user,
        )


@pytest.mark.parametrize(
    ("day", "months", "before", "after"),
    [
        (D(2024, 3, 31), 1, D(2024, 2, 29), D(2024, 4, 30)),
        (D(2023, 3, 31), 1, D(2023, 2, 28), D(2023, 4, 30)),
        (D(2024, 1, 15), 12, D(2023, 1, 15), D(2025, 1, 15)),
        (D(2024, 8, 31), 6, D(2024, 2, 29), D(2025, 2, 28)),
        (D(2024, 1, 31), 0, D(2024, 1, 31), D(2024, 1, 31)),
    ],
)
def test_months_are_counted_in_calendar_months_ending_on_the_last_day_of_a_shorter_month(day, months, before, after):
    assert months_before(day, months) == before
    assert months_after(day, months) == after


def test_a_legal_person_who_left_is_admitted_again_by_an_administrators_subscription(make_member):
    cooperative = found_scic()
    communaute = shareholder_admit(
        cooperative=cooperative,
        college=college(cooperative, "Collectivités"),
        legal_name="CC du Pays des Achards",
        siren="248500530",
        actor=administrator(),
    )
    share_subscribe(
        cooperative=cooperative,
        shareholder=communaute,
        share_class=share_class(cooperative, "A"),
        quantity=2,
        board_decision="CA 2023-01",
        actor=administrator(),
        paid_on=D(2023, 1, 16),
    )
    redeemed(communaute, "A", 2, approved_on=D(2023, 6, 1), paid_on=D(2023, 6, 1))
    communaute.refresh_from_db()
    assert communaute.status == Shareholder.Status.LEFT

    share_subscribe(
        cooperative=cooperative,
        shareholder=communaute,
        share_class=share_class(cooperative, "A"),
        quantity=3,
        board_decision="CA 2024-02",
        actor=administrator(),
        paid_on=D(2024, 2, 5),
    )

    communaute.refresh_from_db()
    assert (communaute.status, communaute.admitted_on, communaute.admission_decision) == (
        Shareholder.Status.ADMITTED,
        D(2024, 2, 5),
        "CA 2024-02",
    )
    assert holdings(cooperative) == {("CC du Pays des Achards", "A"): 3}
    assert_books(cooperative, 30000)
