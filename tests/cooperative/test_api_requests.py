"""API of members' requests (subscriptions, redemptions) and of "my shares".

A member sees their own requests and nobody else's (404); administrators decide; auditors read
every request and decide none (403). Every refusal is checked to write nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from cooperative.models import Cooperative, RedemptionRequest, Shareholder, ShareMovement, SubscriptionRequest
from cooperative.selectors import capital_at
from cooperative.services.register import months_after, months_before
from cooperative.services.requests import redemption_request_approve, redemption_request_create
from core.l10n import format_long_date
from ledger.models import Account, Transaction
from tests.cooperative.api_support import BAD_QUANTITIES, assert_error, client, ok, populate, snapshot, subscribe, url
from tests.cooperative.helpers import administrator, college, found_scic, share_class

pytestmark = pytest.mark.django_db


SUBSCRIPTIONS = "subscription-requests"
REDEMPTIONS = "redemption-requests"


@pytest.fixture
def carol(make_member):
    return make_member(username="carol", display_name="Carol")


def ask(user: Any, cooperative: Cooperative, code: str, quantity: Any, **extra: Any) -> Any:
    body = {"share_class": share_class(cooperative, code).pk, "quantity": quantity, **extra}
    return client(user).post(url(cooperative, SUBSCRIPTIONS), body, format="json")


def act(user: Any, cooperative: Cooperative, kind: str, pk: int, action: str, body: Any = None) -> Any:
    return client(user).post(url(cooperative, kind, pk, action), body or {}, format="json")


def requested_ids(user: Any, cooperative: Cooperative, kind: str, **query: str) -> list[int]:
    return [item["id"] for item in ok(client(user).get(url(cooperative, kind), query))["results"]]


def redeem(user: Any, cooperative: Cooperative, code: str, quantity: Any, **extra: Any) -> Any:
    body = {"share_class": share_class(cooperative, code).pk, "quantity": quantity, **extra}
    return client(user).post(url(cooperative, REDEMPTIONS), body, format="json")


# --- subscription requests ------------------------------------------------------------------


def test_a_newcomer_asks_for_shares_in_a_college_and_each_member_sees_only_their_own(
    coop, held, carol, alice, admin, auditor
):
    data = ok(ask(carol.user, coop, "B", 3, college=college(coop, "Usagers").pk), 201)
    carols = SubscriptionRequest.objects.get(member=carol)
    assert data.pop("requested_at")
    assert data.pop("decided_at") is None
    assert data == {
        "id": carols.pk,
        "cooperative": coop.pk,
        "member": {"id": carol.pk, "display_name": "Carol"},
        "shareholder": None,
        "college": {"id": college(coop, "Usagers").pk, "name": "Usagers"},
        "share_class": {"id": share_class(coop, "B").pk, "code": "B"},
        "quantity": 3,
        "amount": "60.00",
        "unit": "EUR",
        "status": "requested",
        "source": "member",
        "board_decision": "",
        "rejection_reason": "",
        "movement": None,
    }
    # A shareholder stays in their college, whatever they name.
    alices = ok(ask(alice.user, coop, "A", 1, college=college(coop, "Usagers").pk), 201)
    assert (alices["college"]["name"], alices["shareholder"]) == ("Salariés", held["alice"].pk)

    founding = list(SubscriptionRequest.objects.filter(status="issued").order_by("id").values_list("id", flat=True))
    assert requested_ids(carol.user, coop, SUBSCRIPTIONS) == [carols.pk]
    assert requested_ids(alice.user, coop, SUBSCRIPTIONS) == [founding[0], alices["id"]]
    assert requested_ids(admin, coop, SUBSCRIPTIONS) == [*founding, carols.pk, alices["id"]]
    assert requested_ids(auditor, coop, SUBSCRIPTIONS, status="requested") == [carols.pk, alices["id"]]
    assert ok(client(carol.user).get(url(coop, SUBSCRIPTIONS, carols.pk)))["id"] == carols.pk
    assert ok(client(auditor).get(url(coop, SUBSCRIPTIONS, carols.pk)))["id"] == carols.pk

    other = found_scic(siren="552100554")
    before = snapshot()
    assert_error(client(carol.user).get(url(coop, SUBSCRIPTIONS, alices["id"])), 404, "not_found")
    for action in ("approve", "reject", "pay", "cancel"):
        assert_error(
            act(carol.user, coop, SUBSCRIPTIONS, alices["id"], action, {"board_decision": "x", "reason": "x"}),
            404,
            "not_found",
        )
    for pk in (999999, 2**63):
        assert_error(client(admin).get(url(coop, SUBSCRIPTIONS, pk)), 404, "not_found")
    # A request of this cooperative is not one of another's.
    assert_error(client(admin).get(url(other, SUBSCRIPTIONS, carols.pk)), 404, "not_found")
    assert_error(client(admin).get(url(coop, SUBSCRIPTIONS), {"status": "pending"}), 400, "invalid")
    assert snapshot() == before


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_a_bad_quantity_asked_for_is_refused_and_writes_nothing(coop, held, carol, quantity):
    before = snapshot()
    body = assert_error(ask(carol.user, coop, "B", quantity, college=college(coop, "Usagers").pk), 400, "invalid")
    assert list(body["fields"]) == ["quantity"]
    assert snapshot() == before


def test_a_request_that_names_no_college_or_anything_unknown_is_refused(coop, held, carol, alice, admin, auditor):
    other = found_scic(siren="552100554")
    before = snapshot()
    assert assert_error(ask(carol.user, coop, "B", 1), 400, "invalid")["fields"] == {
        "college": ["Choose the college you ask to join."]
    }
    response = ask(carol.user, coop, "B", 1, college=college(other, "Usagers").pk)
    assert assert_error(response, 400, "invalid")["fields"] == {"college": ["This cooperative has no such college."]}
    response = client(carol.user).post(url(coop, SUBSCRIPTIONS), {"share_class": 999999, "quantity": 1})
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["share_class"]
    response = ask(carol.user, coop, "B", 1, college=college(coop, "Usagers").pk, member=999999)
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["member"]
    # For somebody else, or without being a member at all.
    response = ask(carol.user, coop, "B", 1, college=college(coop, "Usagers").pk, member=alice.pk)
    assert assert_error(response, 403, "permission_denied")["message"] == "You may only ask for shares for yourself."
    for user in (admin, auditor):
        assert_error(ask(user, coop, "B", 1, college=college(coop, "Usagers").pk), 403, "permission_denied")
    assert snapshot() == before


def test_an_administrator_asks_for_shares_for_a_member(coop, held, carol, admin):
    data = ok(ask(admin, coop, "B", 2, college=college(coop, "Usagers").pk, member=carol.pk), 201)
    assert (data["member"]["display_name"], data["source"], data["status"]) == ("Carol", "administrator", "requested")


@pytest.mark.parametrize(
    ("who", "code", "quantity", "code_expected", "message"),
    [
        ("carol", "B", 1, "below_minimum_holding", "Carol would hold 1 shares; the statutes require at least 2."),
        ("carol", "B", 7, "above_maximum_holding", "Carol would hold 7 shares; the statutes allow at most 6."),
        ("alice", "A", 2, "above_maximum_holding", "Alice would hold 7 shares; the statutes allow at most 6."),
    ],
)
def test_every_statutory_rule_refuses_a_request_with_its_code_and_writes_nothing(
    strict, carol, alice, who, code, quantity, code_expected, message
):
    cooperative, _holders = strict
    user = {"carol": carol.user, "alice": alice.user}[who]
    before = snapshot()
    response = ask(user, cooperative, code, quantity, college=college(cooperative, "Usagers").pk)
    assert assert_error(response, 422, code_expected)["message"] == message
    assert snapshot() == before


def test_shares_already_asked_for_count_towards_the_maximum(strict, alice):
    cooperative, _holders = strict
    ok(ask(alice.user, cooperative, "A", 1), 201)
    before = snapshot()
    assert_error(ask(alice.user, cooperative, "A", 1), 422, "above_maximum_holding")
    assert snapshot() == before


def test_the_board_approves_then_the_payment_issues_the_shares(coop, held, carol, admin):
    created = ok(ask(carol.user, coop, "B", 3, college=college(coop, "Usagers").pk), 201)
    approved = ok(act(admin, coop, SUBSCRIPTIONS, created["id"], "approve", {"board_decision": "CA 14"}))
    carol_holder = Shareholder.objects.get(member=carol)
    assert (approved["status"], approved["board_decision"], approved["shareholder"], approved["movement"]) == (
        "approved",
        "CA 14",
        carol_holder.pk,
        None,
    )
    assert approved["decided_at"] is not None
    assert (carol_holder.college.name, carol_holder.status, carol_holder.admitted_on) == (
        "Usagers",
        "admitted",
        timezone.localdate(),
    )
    transactions = Transaction.objects.count()
    paid = ok(act(admin, coop, SUBSCRIPTIONS, created["id"], "pay"))
    assert (paid["status"], paid["movement"]) == ("issued", 5)
    movement = ShareMovement.objects.get(cooperative=coop, number=5)
    assert (movement.kind, movement.to_shareholder_id, movement.quantity, movement.capital_delta) == (
        "subscription",
        carol_holder.pk,
        3,
        6000,
    )
    assert (capital_at(coop), Account.objects.get(pk=coop.capital_account_id).balance) == (66000, 66000)
    assert Transaction.objects.count() == transactions + 1
    # Paying again changes nothing; deciding again is refused.
    before = snapshot()
    assert ok(act(admin, coop, SUBSCRIPTIONS, created["id"], "pay")) == paid
    for action, body in (("approve", {"board_decision": "CA 15"}), ("reject", {"reason": "Non"})):
        refusal = assert_error(act(admin, coop, SUBSCRIPTIONS, created["id"], action, body), 422, "request_not_pending")
        assert refusal["message"] == "This request has already been decided."
    assert_error(act(carol.user, coop, SUBSCRIPTIONS, created["id"], "cancel"), 422, "request_not_pending")
    assert snapshot() == before


def test_deciding_a_request_is_for_administrators_alone(coop, held, carol, auditor, admin):
    created = ok(ask(carol.user, coop, "B", 3, college=college(coop, "Usagers").pk), 201)
    before = snapshot()
    for user in (carol.user, auditor):
        for action, body in (("approve", {"board_decision": "CA"}), ("reject", {"reason": "Non"}), ("pay", {})):
            refusal = assert_error(
                act(user, coop, SUBSCRIPTIONS, created["id"], action, body), 403, "permission_denied"
            )
            assert refusal["message"] == "Only an administrator of the register may do this."
    # Paying a request the board has not approved; approving without a decision.
    assert_error(act(admin, coop, SUBSCRIPTIONS, created["id"], "pay"), 422, "request_not_pending")
    body = assert_error(
        act(admin, coop, SUBSCRIPTIONS, created["id"], "approve", {"board_decision": ""}), 400, "invalid"
    )
    assert list(body["fields"]) == ["board_decision"]
    assert_error(act(admin, coop, SUBSCRIPTIONS, created["id"], "reject", {"reason": ""}), 400, "invalid")
    assert_error(
        act(admin, coop, SUBSCRIPTIONS, created["id"], "approve", {"board_decision": "CA", "decided_on": "x"}),
        400,
        "invalid",
    )
    assert snapshot() == before


def test_a_payment_dated_out_of_order_is_refused(coop, held, carol, admin):
    created = ok(ask(carol.user, coop, "B", 3, college=college(coop, "Usagers").pk), 201)
    ok(act(admin, coop, SUBSCRIPTIONS, created["id"], "approve", {"board_decision": "CA 14"}))
    before = snapshot()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    for paid_on in (tomorrow, "2001-01-01"):
        assert_error(
            act(admin, coop, SUBSCRIPTIONS, created["id"], "pay", {"paid_on": paid_on}), 422, "date_out_of_order"
        )
    assert_error(act(admin, coop, SUBSCRIPTIONS, created["id"], "pay", {"paid_on": "01/01/2026"}), 400, "invalid")
    assert snapshot() == before


def test_the_board_rejects_and_the_member_cancels(coop, held, carol, alice, admin):
    first = ok(ask(carol.user, coop, "B", 3, college=college(coop, "Usagers").pk), 201)
    rejected = ok(act(admin, coop, SUBSCRIPTIONS, first["id"], "reject", {"reason": "Collège complet"}))
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "Collège complet")
    second = ok(ask(carol.user, coop, "B", 2, college=college(coop, "Usagers").pk), 201)
    before = snapshot()
    refusal = assert_error(act(admin, coop, SUBSCRIPTIONS, second["id"], "cancel"), 403, "permission_denied")
    assert refusal["message"] == "Only the member who asked may cancel this request."
    assert_error(act(alice.user, coop, SUBSCRIPTIONS, second["id"], "cancel"), 404, "not_found")
    assert snapshot() == before
    cancelled = ok(act(carol.user, coop, SUBSCRIPTIONS, second["id"], "cancel"))
    assert cancelled["status"] == "cancelled"
    before = snapshot()
    assert_error(act(carol.user, coop, SUBSCRIPTIONS, second["id"], "cancel"), 422, "request_not_pending")
    assert_error(
        act(admin, coop, SUBSCRIPTIONS, second["id"], "approve", {"board_decision": "CA"}), 422, "request_not_pending"
    )
    assert snapshot() == before
    assert Shareholder.objects.filter(member=carol).count() == 0


def test_without_board_approval_a_request_is_approved_at_once_and_the_payment_admits(carol, admin):
    cooperative = found_scic(board_approval_required=False)
    created = ok(ask(carol.user, cooperative, "B", 2, college=college(cooperative, "Usagers").pk), 201)
    assert (created["status"], created["shareholder"]) == ("approved", None)
    paid = ok(act(admin, cooperative, SUBSCRIPTIONS, created["id"], "pay"))
    holder = Shareholder.objects.get(member=carol)
    assert (paid["status"], paid["shareholder"], paid["movement"], holder.college.name) == (
        "issued",
        holder.pk,
        1,
        "Usagers",
    )
    assert capital_at(cooperative) == 4000


# --- redemption requests --------------------------------------------------------------------


def test_a_shareholder_asks_to_redeem_and_only_they_and_the_register_see_it(coop, held, bob, alice, admin, auditor):
    data = ok(redeem(bob.user, coop, "B", 1), 201)
    bobs = RedemptionRequest.objects.get()
    data.pop("requested_at")
    assert data == {
        "id": bobs.pk,
        "cooperative": coop.pk,
        "shareholder": {"id": held["bob"].pk, "display_name": "Bob"},
        "share_class": {"id": share_class(coop, "B").pk, "code": "B"},
        "quantity": 1,
        "amount": "20.00",
        "unit": "EUR",
        "status": "requested",
        "board_decision": "",
        "rejection_reason": "",
        "due_on": None,
        "decided_at": None,
        "movement": None,
    }
    assert requested_ids(bob.user, coop, REDEMPTIONS) == [bobs.pk]
    assert requested_ids(alice.user, coop, REDEMPTIONS) == []
    assert requested_ids(auditor, coop, REDEMPTIONS) == [bobs.pk]
    assert requested_ids(admin, coop, REDEMPTIONS, status="approved") == []
    before = snapshot()
    assert_error(client(alice.user).get(url(coop, REDEMPTIONS, bobs.pk)), 404, "not_found")
    assert_error(act(alice.user, coop, REDEMPTIONS, bobs.pk, "approve", {"board_decision": "CA"}), 404, "not_found")
    for user in (bob.user, auditor):
        for action, body in (("approve", {"board_decision": "CA"}), ("reject", {"reason": "Non"}), ("pay", {})):
            assert_error(act(user, coop, REDEMPTIONS, bobs.pk, action, body), 403, "permission_denied")
    assert_error(act(admin, coop, REDEMPTIONS, bobs.pk, "pay"), 422, "request_not_pending")
    assert snapshot() == before


def test_a_redemption_asked_by_someone_who_holds_nothing_or_for_another_is_refused(coop, held, carol, bob, auditor):
    before = snapshot()
    refusal = assert_error(redeem(carol.user, coop, "B", 1), 403, "permission_denied")
    assert refusal["message"] == "Only a shareholder may ask to redeem shares."
    assert_error(redeem(auditor, coop, "B", 1), 403, "permission_denied")
    refusal = assert_error(redeem(bob.user, coop, "A", 1, shareholder=held["alice"].pk), 403, "permission_denied")
    assert refusal["message"] == "You may only ask to redeem your own shares."
    assert list(assert_error(redeem(bob.user, coop, "B", 1, shareholder=999999), 400, "invalid")["fields"]) == [
        "shareholder"
    ]
    for quantity in BAD_QUANTITIES:
        assert list(assert_error(redeem(bob.user, coop, "B", quantity), 400, "invalid")["fields"]) == ["quantity"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("code", "quantity", "code_expected", "message"),
    [
        ("B", 4, "not_enough_shares", "3 shares held, 0 already asked for: at most 3 more."),
        ("A", 1, "not_enough_shares", "0 shares held, 0 already asked for: at most 0 more."),
        (
            "B",
            2,
            "below_minimum_holding",
            "Bob would keep 1 shares; the statutes require at least 2, or none to leave the cooperative.",
        ),
    ],
)
def test_every_statutory_rule_refuses_a_redemption_request_with_its_code(
    strict, bob, code, quantity, code_expected, message
):
    cooperative, _holders = strict
    before = snapshot()
    assert assert_error(redeem(bob.user, cooperative, code, quantity), 422, code_expected)["message"] == message
    assert snapshot() == before


def test_shares_in_their_lock_up_cannot_be_redeemed(alice, bob, admin):
    cooperative = found_scic(lockup_months=12)
    holders = populate(cooperative, alice, bob)
    subscribe(cooperative, holders["bob"], "B", 2, timezone.localdate())  # Bob: 3 old B, 2 new
    before = snapshot()
    refusal = assert_error(redeem(bob.user, cooperative, "B", 4), 422, "lockup_not_over")
    assert refusal["message"] == (
        "Only 3 of these shares have been held for 12 months (the lock-up); the others can be redeemed later."
    )
    assert snapshot() == before
    assert ok(redeem(bob.user, cooperative, "B", 3), 201)["quantity"] == 3


def test_a_redemption_is_paid_once_due_after_the_statutory_delay(alice, bob, admin):
    cooperative = found_scic(lockup_months=12, redemption_delay_months=3)
    populate(cooperative, alice, bob)
    today = timezone.localdate()
    soon = ok(redeem(bob.user, cooperative, "B", 1), 201)
    approved = ok(act(admin, cooperative, REDEMPTIONS, soon["id"], "approve", {"board_decision": "CA 20"}))
    due = months_after(today, 3)
    assert (approved["status"], approved["due_on"], approved["board_decision"]) == (
        "approved",
        due.isoformat(),
        "CA 20",
    )
    before = snapshot()
    refusal = assert_error(act(admin, cooperative, REDEMPTIONS, soon["id"], "pay"), 422, "not_due_yet")
    assert refusal["message"] == f"This redemption is due on {format_long_date(due, language='en')}."
    assert snapshot() == before
    rejected = ok(act(admin, cooperative, REDEMPTIONS, soon["id"], "reject", {"reason": "Trésorerie"}))
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "Trésorerie")

    # Approved four months ago: due a month ago, paid today.
    earlier = ok(redeem(bob.user, cooperative, "B", 3), 201)
    decided = months_before(today, 4)
    approved = ok(
        act(
            admin,
            cooperative,
            REDEMPTIONS,
            earlier["id"],
            "approve",
            {"board_decision": "CA 21", "decided_on": str(decided)},
        )
    )
    assert approved["due_on"] == months_after(decided, 3).isoformat()
    paid = ok(act(admin, cooperative, REDEMPTIONS, earlier["id"], "pay"))
    assert (paid["status"], paid["movement"]) == ("paid", 5)
    movement = ShareMovement.objects.get(cooperative=cooperative, number=5)
    assert (movement.kind, movement.quantity, movement.capital_delta, movement.effective_on) == (
        "redemption",
        3,
        -6000,
        today,
    )
    assert (capital_at(cooperative), Account.objects.get(pk=cooperative.capital_account_id).balance) == (54000, 54000)
    assert Shareholder.objects.get(member=bob).status == "left"
    before = snapshot()
    assert ok(act(admin, cooperative, REDEMPTIONS, earlier["id"], "pay")) == paid
    assert_error(
        act(admin, cooperative, REDEMPTIONS, earlier["id"], "reject", {"reason": "Non"}), 422, "request_not_pending"
    )
    assert snapshot() == before


def test_a_redemption_that_would_take_the_capital_below_its_floor_is_refused_at_payment(strict, admin):
    cooperative, holders = strict
    # The CC's two A (200 €) would leave 400 €, below the 500 € floor.
    created = redemption_request_create(
        shareholder=holders["cc"], share_class=share_class(cooperative, "A"), quantity=2, actor=administrator()
    )
    redemption_request_approve(request=created, board_decision="CA 30", actor=administrator())
    before = snapshot()
    refusal = assert_error(act(admin, cooperative, REDEMPTIONS, created.pk, "pay"), 422, "capital_below_floor")
    assert refusal["message"] == "The capital would fall to 400,00 €, below the statutory floor of 500,00 €."
    assert snapshot() == before
    assert RedemptionRequest.objects.get(pk=created.pk).status == "approved"
    assert capital_at(cooperative) == 60000


def test_an_administrator_asks_a_redemption_for_a_legal_person(coop, held, admin):
    data = ok(redeem(admin, coop, "A", 2, shareholder=held["cc"].pk), 201)
    assert (data["shareholder"]["display_name"], data["amount"], data["status"]) == (
        "CC du Pays des Achards",
        "200.00",
        "requested",
    )


# --- my shares ------------------------------------------------------------------------------


def test_my_shares_lists_my_holdings_movements_and_requests(coop, held, alice, bob, carol, admin):
    founding = months_before(timezone.localdate(), 24)
    ok(ask(alice.user, coop, "A", 1), 201)
    ok(redeem(bob.user, coop, "B", 1), 201)
    data = ok(client(alice.user).get(url(coop, "my-shares")))
    assert data["shareholder"] == {
        "id": held["alice"].pk,
        "college": {"id": college(coop, "Salariés").pk, "name": "Salariés"},
        "status": "admitted",
        "admitted_on": founding.isoformat(),
    }
    assert data["holdings"] == [
        {"share_class": {"id": share_class(coop, "A").pk, "code": "A"}, "shares": 3, "value": "300.00", "unit": "EUR"},
        {"share_class": {"id": share_class(coop, "B").pk, "code": "B"}, "shares": 2, "value": "40.00", "unit": "EUR"},
    ]
    assert (data["total_shares"], data["total_value"], data["unit"]) == (5, "340.00", "EUR")
    assert [(m["number"], m["kind"], m["quantity"]) for m in data["movements"]] == [
        (1, "subscription", 3),
        (4, "transfer", 2),
    ]
    assert [(r["quantity"], r["status"], r["source"]) for r in data["subscription_requests"]] == [
        (3, "issued", "administrator"),
        (1, "requested", "member"),
    ]
    assert data["redemption_requests"] == []
    bobs = ok(client(bob.user).get(url(coop, "my-shares")))
    assert [(r["quantity"], r["status"]) for r in bobs["redemption_requests"]] == [(1, "requested")]
    nobody = {
        "shareholder": None,
        "holdings": [],
        "total_shares": 0,
        "total_value": "0.00",
        "unit": "EUR",
        "movements": [],
        "subscription_requests": [],
        "redemption_requests": [],
    }
    assert ok(client(carol.user).get(url(coop, "my-shares"))) == nobody
    assert ok(client(admin).get(url(coop, "my-shares"))) == nobody
