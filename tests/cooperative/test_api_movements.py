"""API of the administrators' register writes: share transfers, subscriptions, cancellations.

Every refusal is checked to write nothing (`snapshot`). Messages are read in English.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cooperative.models import (
    Shareholder,
    SubscriptionRequest,
)
from cooperative.selectors import capital_at
from cooperative.services.requests import (
    redemption_request_approve,
    redemption_request_create,
    redemption_request_pay,
)
from ledger.models import Account, Transaction
from tests.cooperative.api_support import (
    BAD_QUANTITIES,
    admit,
    assert_error,
    client,
    ok,
    snapshot,
    subscribe,
    transfer_body,
    url,
)
from tests.cooperative.helpers import administrator, college, found_scic, share_class

pytestmark = pytest.mark.django_db


def test_an_administrator_records_a_transfer_and_the_capital_does_not_move(coop, admin, held):
    transactions = Transaction.objects.count()
    response = client(admin).post(url(coop, "transfers"), transfer_body(held, "bob", "cc", "B", 3), format="json")
    data = ok(response, 201)
    data.pop("recorded_at")
    assert data == {
        "number": 5,
        "kind": "transfer",
        "effective_on": timezone.localdate().isoformat(),
        "share_class": {"id": share_class(coop, "B").pk, "code": "B"},
        "quantity": 3,
        "from_shareholder": {"id": held["bob"].pk, "display_name": "Bob"},
        "to_shareholder": {"id": held["cc"].pk, "display_name": "CC du Pays des Achards"},
        "capital_delta": "0.00",
        "unit": "EUR",
        "board_decision": "CA du 5 mai",
        "ledger_transaction": None,
        "reverses": None,
        "cancelled_by": None,
        "note": "",
    }
    assert (capital_at(coop), Transaction.objects.count()) == (60000, transactions)
    holdings = ok(client(admin).get(url(coop, "holdings")))["holdings"]
    assert [(h["shareholder"]["display_name"], h["share_class"]["code"], h["shares"]) for h in holdings] == [
        ("Alice", "A", 3),
        ("CC du Pays des Achards", "B", 3),
        ("Alice", "B", 2),
        ("CC du Pays des Achards", "A", 2),
    ]


def test_a_transfer_to_someone_who_left_is_refused_not_admitted(coop, admin, held, make_member):
    dave = admit(coop, make_member(username="dave", display_name="Dave"), "Usagers", timezone.localdate())
    subscribe(coop, dave, "B", 1, timezone.localdate())
    request = redemption_request_create(
        shareholder=dave, share_class=share_class(coop, "B"), quantity=1, actor=administrator()
    )
    redemption_request_approve(request=request, board_decision="CA 8", actor=administrator())
    redemption_request_pay(request=request, actor=administrator())
    assert Shareholder.objects.get(pk=dave.pk).status == Shareholder.Status.LEFT
    before = snapshot()
    body = transfer_body({**held, "dave": dave}, "bob", "dave", "B", 1)
    refusal = assert_error(client(admin).post(url(coop, "transfers"), body, format="json"), 422, "not_admitted")
    assert refusal["message"] == "Shares can only go to a shareholder the board has admitted."
    assert snapshot() == before


@pytest.mark.parametrize(
    ("giver", "taker", "code", "quantity", "extra", "code_expected", "message"),
    [
        ("bob", "cc", "B", 4, {}, "not_enough_shares", "Bob holds 3 shares of class B, not 4."),
        ("bob", "cc", "A", 1, {}, "not_enough_shares", "Bob holds 0 shares of class A, not 1."),
        (
            "bob",
            "cc",
            "B",
            2,
            {},
            "below_minimum_holding",
            "Bob would keep 1 shares; the statutes require at least 2, or none to leave the cooperative.",
        ),
        (
            "bob",
            "alice",
            "B",
            3,
            {},
            "above_maximum_holding",
            "Alice would hold 8 shares; the statutes allow at most 6.",
        ),
        (
            "bob",
            "cc",
            "B",
            1,
            {"effective_on": "2000-01-01"},
            "date_out_of_order",
            "A movement cannot be dated before the register's last movement, nor in the future.",
        ),
    ],
)
def test_every_statutory_rule_refuses_a_transfer_with_its_code_and_writes_nothing(
    strict, admin, giver, taker, code, quantity, extra, code_expected, message
):
    cooperative, holders = strict
    before = snapshot()
    body = transfer_body(holders, giver, taker, code, quantity, **extra)
    refusal = assert_error(client(admin).post(url(cooperative, "transfers"), body, format="json"), 422, code_expected)
    assert refusal["message"] == message
    assert snapshot() == before


def test_a_transfer_dated_tomorrow_is_refused(coop, admin, held):
    before = snapshot()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    body = transfer_body(held, "bob", "cc", "B", 1, effective_on=tomorrow)
    assert_error(client(admin).post(url(coop, "transfers"), body, format="json"), 422, "date_out_of_order")
    assert snapshot() == before


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_a_bad_quantity_is_refused_with_a_message_and_moves_nothing(coop, admin, held, quantity):
    before = snapshot()
    api = client(admin)
    body = assert_error(
        api.post(url(coop, "transfers"), transfer_body(held, "bob", "cc", "B", quantity), format="json"), 400, "invalid"
    )
    assert list(body["fields"]) == ["quantity"]
    subscription = {"shareholder": held["cc"].pk, "share_class": share_class(coop, "A").pk, "quantity": quantity}
    body = assert_error(
        api.post(url(coop, "subscriptions"), {**subscription, "board_decision": "CA"}, format="json"), 400, "invalid"
    )
    assert list(body["fields"]) == ["quantity"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"from_shareholder": 999999}, "from_shareholder"),
        ({"to_shareholder": 0}, "to_shareholder"),
        ({"to_shareholder": "bob"}, "to_shareholder"),
        ({"share_class": 999999}, "share_class"),
        ({"board_decision": ""}, "board_decision"),
        ({"board_decision": "x" * 101}, "board_decision"),
        ({"effective_on": "31/12/2024"}, "effective_on"),
        ({"to_shareholder": "BOB"}, "to_shareholder"),  # to oneself
    ],
)
def test_a_malformed_transfer_is_refused_with_the_field_named(coop, admin, held, changes, field):
    before = snapshot()
    body = transfer_body(held, "bob", "cc", "B", 1)
    body.update({key: held["bob"].pk if value == "BOB" else value for key, value in changes.items()})
    response = client(admin).post(url(coop, "transfers"), body, format="json")
    assert list(assert_error(response, 400, "invalid")["fields"]) == [field]
    assert snapshot() == before


def test_shares_of_another_cooperative_are_unknown_here(coop, admin, held):
    other = found_scic(siren="552100554")
    before = snapshot()
    body = transfer_body(held, "bob", "cc", "B", 1, share_class=share_class(other, "B").pk)
    response = client(admin).post(url(coop, "transfers"), body, format="json")
    assert assert_error(response, 400, "invalid")["fields"] == {
        "share_class": ["This cooperative has no such share class."]
    }
    response = client(admin).post(url(other, "transfers"), transfer_body(held, "bob", "cc", "B", 1), format="json")
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["from_shareholder"]
    assert snapshot() == before


def test_an_administrator_records_a_subscription_decided_and_paid_at_once(coop, admin, held):
    body = {
        "shareholder": held["cc"].pk,
        "share_class": share_class(coop, "A").pk,
        "quantity": 4,
        "board_decision": "CA 9",
    }
    data = ok(client(admin).post(url(coop, "subscriptions"), body, format="json"), 201)
    issued = SubscriptionRequest.objects.get(pk=data["id"])
    assert (data.pop("decided_at"), data.pop("requested_at")) != (None, None)
    assert data == {
        "id": issued.pk,
        "cooperative": coop.pk,
        "member": None,
        "shareholder": held["cc"].pk,
        "college": {"id": college(coop, "Collectivités").pk, "name": "Collectivités"},
        "share_class": {"id": share_class(coop, "A").pk, "code": "A"},
        "quantity": 4,
        "amount": "400.00",
        "unit": "EUR",
        "status": "issued",
        "source": "administrator",
        "board_decision": "CA 9",
        "rejection_reason": "",
        "movement": 5,
    }
    assert capital_at(coop) == 100000
    assert Account.objects.get(pk=coop.capital_account_id).balance == 100000
    line = ok(client(admin).get(url(coop, "register"), {"offset": 4}))["results"][0]
    assert (line["number"], line["kind"], line["capital_delta"], line["ledger_transaction"]) == (
        5,
        "subscription",
        "400.00",
        issued.movement.ledger_transaction_id,
    )


@pytest.mark.parametrize(
    ("holder", "code", "quantity", "extra", "status", "code_expected"),
    [
        ("alice", "A", 4, {}, 422, "above_maximum_holding"),  # 5 + 4 > 6
        ("newcomer", "B", 1, {}, 422, "below_minimum_holding"),  # 1 < 2
        ("cc", "A", 1, {"paid_on": "2001-01-01"}, 422, "date_out_of_order"),
        ("cc", "A", 1, {"board_decision": ""}, 400, "invalid"),
        ("cc", "A", 1, {"paid_on": "2024-13-01"}, 400, "invalid"),
    ],
)
def test_every_statutory_rule_refuses_a_subscription_with_its_code_and_writes_nothing(
    strict, admin, make_member, holder, code, quantity, extra, status, code_expected
):
    cooperative, holders = strict
    holders["newcomer"] = admit(cooperative, make_member(username="eve"), "Usagers", timezone.localdate())
    before = snapshot()
    body = {
        "shareholder": holders[holder].pk,
        "share_class": share_class(cooperative, code).pk,
        "quantity": quantity,
        "board_decision": "CA 9",
        **extra,
    }
    assert_error(client(admin).post(url(cooperative, "subscriptions"), body, format="json"), status, code_expected)
    assert snapshot() == before
    assert capital_at(cooperative) == 60000


def test_an_administrator_cancels_a_movement_by_a_reversing_one(coop, admin, held):
    api = client(admin)
    response = api.post(url(coop, "movements", 3, "cancel"), {"reason": "Chèque sans provision"}, format="json")
    data = ok(response, 201)
    assert (data["number"], data["kind"], data["reverses"], data["quantity"], data["capital_delta"], data["note"]) == (
        5,
        "cancellation",
        3,
        2,
        "-200.00",
        "Chèque sans provision",
    )
    assert (data["from_shareholder"]["display_name"], data["to_shareholder"]) == ("CC du Pays des Achards", None)
    assert capital_at(coop) == 40000
    assert Account.objects.get(pk=coop.capital_account_id).balance == 40000
    lines = ok(api.get(url(coop, "register")))["results"]
    assert [(m["number"], m["cancelled_by"], m["reverses"]) for m in lines] == [
        (1, None, None),
        (2, None, None),
        (3, 5, None),
        (4, None, None),
        (5, None, 3),
    ]
    before = snapshot()
    again = api.post(url(coop, "movements", 3, "cancel"), {"reason": "Encore"}, format="json")
    assert assert_error(again, 422, "already_cancelled")["message"] == "This movement has already been cancelled."
    assert_error(api.post(url(coop, "movements", 5, "cancel"), {"reason": "Oups"}, format="json"), 400, "invalid")
    assert_error(api.post(url(coop, "movements", 99, "cancel"), {"reason": "Oups"}, format="json"), 404, "not_found")
    assert_error(api.post(url(coop, "movements", 0, "cancel"), {"reason": "Oups"}, format="json"), 404, "not_found")
    assert_error(api.post(url(coop, "movements", 4, "cancel"), {"reason": ""}, format="json"), 400, "invalid")
    assert snapshot() == before


def test_a_cancellation_that_breaks_a_rule_is_refused_with_its_code(strict, admin):
    cooperative, _holders = strict
    api = client(admin)
    before = snapshot()
    # The CC's 200 € back would leave 400 €, below the 500 € floor.
    refusal = assert_error(
        api.post(url(cooperative, "movements", 3, "cancel"), {"reason": "Erreur"}, format="json"),
        422,
        "capital_below_floor",
    )
    assert refusal["message"] == "The capital would fall to 400,00 €, below the statutory floor of 500,00 €."
    # Bob gave 2 of his 5 B away since: his subscription can no longer be undone.
    assert_error(
        api.post(url(cooperative, "movements", 2, "cancel"), {"reason": "Erreur"}, format="json"),
        422,
        "not_enough_shares",
    )
    assert snapshot() == before
