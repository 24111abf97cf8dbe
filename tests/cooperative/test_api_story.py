"""A whole cooperative told through the API alone: founded, members admitted and paid, a cession,
a redemption after the lock-up, the register at a past date, a general assembly; and the schema.

Past dates are given as the API takes them (`admitted_on`, `decided_on`, `paid_on`,
`effective_on`), as a secretary catching up with the paper register would.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from cooperative.models import Cooperative
from cooperative.services.register import months_before
from ledger.models import Account, Entry
from tests.cooperative.api_support import COOPERATIVES, client, ok, url

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_a_scic_founded_subscribed_transferred_redeemed_and_tallied_through_the_api(admin, auditor, alice, bob):
    today = timezone.localdate()
    founding = months_before(today, 24)
    alice_paid, bob_paid, cession = founding + 10 * DAY, founding + 20 * DAY, months_before(today, 18)
    api = client(admin)

    # Founded with its statutes, two classes, three colleges.
    statutes = {
        "name": "SCIC Les Tiers-Lieux des Achards",
        "legal_form": "scic",
        "siren": "732 829 320",
        "seat_address": "2 rue Michel-Breton, 85150 Les Achards",
        "min_shares_per_member": 1,
        "max_shares_per_member": 20,
        "lockup_months": 12,
        "capital_floor": "100",
    }
    coop_id = ok(api.post(COOPERATIVES, statutes, format="json"), 201)["id"]
    a = ok(api.post(url(coop_id, "share-classes"), {"code": "A", "name": "Fondateurs", "nominal_value": "100"}), 201)
    b = ok(api.post(url(coop_id, "share-classes"), {"code": "B", "name": "Usagers", "nominal_value": "20"}), 201)
    colleges = [
        {"name": "Salariés", "weight": 40},
        {"name": "Usagers", "weight": 30},
        {"name": "Collectivités", "weight": 30},
    ]
    defined = ok(api.put(url(coop_id, "colleges"), {"colleges": colleges}, format="json"))
    college_ids = {c["name"]: c["id"] for c in defined["colleges"]}
    assert defined["weight_problems"] == []

    # The community of communes, a founding legal person, subscribes on the founding day.
    cc = ok(
        api.post(
            url(coop_id, "shareholders"),
            {
                "legal_name": "CC du Pays des Achards",
                "siren": "248500530",
                "college": college_ids["Collectivités"],
                "admitted_on": str(founding),
                "admission_decision": "AG constitutive",
            },
            format="json",
        ),
        201,
    )
    subscription = {"shareholder": cc["id"], "share_class": a["id"], "quantity": 3, "board_decision": "AG constitutive"}
    ok(api.post(url(coop_id, "subscriptions"), {**subscription, "paid_on": str(founding)}, format="json"), 201)

    # Two members ask; the board approves; their payments are recorded.
    alices = ok(
        client(alice.user).post(
            url(coop_id, "subscription-requests"),
            {"share_class": a["id"], "quantity": 2, "college": college_ids["Salariés"]},
            format="json",
        ),
        201,
    )
    bobs = ok(
        client(bob.user).post(
            url(coop_id, "subscription-requests"),
            {"share_class": b["id"], "quantity": 5, "college": college_ids["Usagers"]},
            format="json",
        ),
        201,
    )
    queue = ok(api.get(url(coop_id, "subscription-requests"), {"status": "requested"}))
    assert [(r["member"]["display_name"], r["amount"]) for r in queue["results"]] == [
        ("Alice", "200.00"),
        ("Bob", "100.00"),
    ]
    for request, paid_on in ((alices, alice_paid), (bobs, bob_paid)):
        decision = {"board_decision": f"CA du {paid_on:%d/%m/%Y}", "decided_on": str(paid_on)}
        ok(api.post(url(coop_id, "subscription-requests", request["id"], "approve"), decision, format="json"))
        paid = ok(api.post(url(coop_id, "subscription-requests", request["id"], "pay"), {"paid_on": str(paid_on)}))
        assert paid["status"] == "issued"
    shareholders = {s["display_name"]: s for s in ok(api.get(url(coop_id, "shareholders")))["results"]}

    # A cession approved by the board, six months after the founding.
    transfer = {
        "from_shareholder": shareholders["Bob"]["id"],
        "to_shareholder": shareholders["Alice"]["id"],
        "share_class": b["id"],
        "quantity": 1,
        "board_decision": "CA cession",
        "effective_on": str(cession),
    }
    ok(api.post(url(coop_id, "transfers"), transfer, format="json"), 201)

    # Bob's shares are past their year of lock-up: he asks two back, the board approves, they are repaid.
    redemption = ok(
        client(bob.user).post(
            url(coop_id, "redemption-requests"), {"share_class": b["id"], "quantity": 2}, format="json"
        ),
        201,
    )
    approved = ok(
        api.post(url(coop_id, "redemption-requests", redemption["id"], "approve"), {"board_decision": "CA 7"})
    )
    assert approved["due_on"] == str(today)
    assert ok(api.post(url(coop_id, "redemption-requests", redemption["id"], "pay")))["status"] == "paid"

    # The register, numbered without gaps, as an auditor reads it.
    audit = client(auditor)
    register = ok(audit.get(url(coop_id, "register")))
    assert [
        (
            m["number"],
            m["kind"],
            m["share_class"]["code"],
            m["quantity"],
            m["from_shareholder"] and m["from_shareholder"]["display_name"],
            m["to_shareholder"] and m["to_shareholder"]["display_name"],
            m["capital_delta"],
            m["effective_on"],
        )
        for m in register["results"]
    ] == [
        (1, "subscription", "A", 3, None, "CC du Pays des Achards", "300.00", str(founding)),
        (2, "subscription", "A", 2, None, "Alice", "200.00", str(alice_paid)),
        (3, "subscription", "B", 5, None, "Bob", "100.00", str(bob_paid)),
        (4, "transfer", "B", 1, "Bob", "Alice", "0.00", str(cession)),
        (5, "redemption", "B", 2, "Bob", None, "-40.00", str(today)),
    ]

    # Holdings and capital between Alice's payment and Bob's.
    between = str(alice_paid + 5 * DAY)
    holdings = ok(audit.get(url(coop_id, "holdings"), {"on": between}))
    assert [
        (h["shareholder"]["display_name"], h["share_class"]["code"], h["shares"]) for h in holdings["holdings"]
    ] == [
        ("CC du Pays des Achards", "A", 3),
        ("Alice", "A", 2),
    ]
    capital = ok(audit.get(url(coop_id, "capital"), {"on": between}))
    assert capital["capital"] == "500.00"
    assert [(point["date"], point["capital"]) for point in capital["history"]] == [
        (str(founding), "300.00"),
        (str(alice_paid), "500.00"),
        (str(bob_paid), "600.00"),
        (str(cession), "600.00"),
        (str(today), "560.00"),
    ]
    assert ok(audit.get(url(coop_id, "capital")))["capital"] == "560.00"
    cooperative = Cooperative.objects.get(pk=coop_id)
    capital_account = Account.objects.get(pk=cooperative.capital_account_id)
    assert capital_account.balance == 56000
    assert Entry.objects.filter(account=capital_account).count() == 4

    # The general assembly: one voter per college, weighed 40 / 30 / 30.
    voters = ok(audit.get(url(coop_id, "voters")))
    assert [(c["college"]["name"], [v["display_name"] for v in c["voters"]]) for c in voters["colleges"]] == [
        ("Salariés", ["Alice"]),
        ("Usagers", ["Bob"]),
        ("Collectivités", ["CC du Pays des Achards"]),
    ]
    votes = {
        str(college_ids["Salariés"]): {"for": 1},
        str(college_ids["Usagers"]): {"against": 1},
        str(college_ids["Collectivités"]): {"for": 1},
    }
    tally = ok(audit.post(url(coop_id, "assembly", "tally"), {"majority": "two_thirds", "votes": votes}, format="json"))
    assert ([c["percent_for"] for c in tally["colleges"]], tally["percent_for"], tally["adopted"]) == (
        ["100.00", "0.00", "100.00"],
        "70.00",
        True,
    )

    # What Bob sees of his shares.
    mine = ok(client(bob.user).get(url(coop_id, "my-shares")))
    assert [(h["share_class"]["code"], h["shares"], h["value"]) for h in mine["holdings"]] == [("B", 2, "40.00")]
    assert [m["number"] for m in mine["movements"]] == [3, 4, 5]
    assert [(r["quantity"], r["status"]) for r in mine["subscription_requests"]] == [(5, "issued")]
    assert [(r["quantity"], r["status"], r["movement"]) for r in mine["redemption_requests"]] == [(2, "paid", 5)]


def test_the_schema_documents_the_register_api_without_a_warning(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in [
        "/api/cooperatives/:",
        "/api/cooperatives/{id}/:",
        "/api/cooperatives/{id}/register/:",
        "/api/cooperatives/{id}/holdings/:",
        "/api/cooperatives/{id}/capital/:",
        "/api/cooperatives/{id}/colleges/:",
        "/api/cooperatives/{id}/shareholders/:",
        "/api/cooperatives/{id}/voters/:",
        "/api/cooperatives/{id}/assembly/tally/:",
        "/api/cooperatives/{id}/share-classes/:",
        "/api/cooperatives/{id}/transfers/:",
        "/api/cooperatives/{id}/subscriptions/:",
        "/api/cooperatives/{id}/movements/{number}/cancel/:",
        "/api/cooperatives/{id}/my-shares/:",
        "/api/cooperatives/{id}/subscription-requests/{rid}/approve/:",
        "/api/cooperatives/{id}/subscription-requests/{rid}/cancel/:",
        "/api/cooperatives/{id}/redemption-requests/{rid}/pay/:",
    ]:
        assert f"  {path}" in text, path
