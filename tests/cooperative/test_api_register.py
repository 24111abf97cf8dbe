"""API of cooperatives and their register: statutes, classes, colleges, shareholders, movements, GA tally.

Every refusal is checked to write nothing (`snapshot`): no row, no ledger transaction, no status
changed. Messages are read in English (the site's default language is French).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from djmoney.money import Money

from cooperative.models import (
    College,
    Cooperative,
    RedemptionRequest,
    ShareClass,
    Shareholder,
    ShareMovement,
    SubscriptionRequest,
)
from cooperative.selectors import capital_at
from cooperative.services.register import months_before, share_transfer
from cooperative.services.requests import (
    redemption_request_approve,
    redemption_request_create,
    redemption_request_pay,
    share_subscribe,
)
from cooperative.services.setup import shareholder_admit
from ledger.models import Account, Entry, Transaction
from members.models import Member
from tests.conftest import api_client_for
from tests.cooperative.helpers import SIREN, administrator, college, found_scic, share_class
from tests.crowdfunding.test_api_campaigns import make_auditor

pytestmark = pytest.mark.django_db

COOPERATIVES = "/api/cooperatives/"
CC_SIREN = "248500530"  # the community of communes: a legal person shareholder
BAD_QUANTITIES = [0, -1, 1.5, "trois", 1_000_001, 10**30, None, True]
BAD_AMOUNTS = ["abc", "NaN", "1e309", "-5", "0", "1.234"]


# --- helpers shared by the cooperative API tests --------------------------------------------


def client(user: Any) -> Any:
    api = api_client_for(user)
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return api


def url(cooperative: Cooperative | int, *rest: Any) -> str:
    pk = cooperative if isinstance(cooperative, int) else cooperative.pk
    return COOPERATIVES + "".join(f"{part}/" for part in (pk, *rest))


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"code", "message", "fields"}
    return body


def snapshot() -> dict[str, Any]:
    """Everything an API write may touch: a refusal must leave all of it as it was."""
    return {
        "cooperatives": list(Cooperative.objects.values_list("pk", "name", "capital_floor").order_by("pk")),
        "classes": list(ShareClass.objects.values_list("pk", "code", "nominal_value").order_by("pk")),
        "colleges": list(College.objects.values_list("pk", "name", "weight", "position").order_by("pk")),
        "shareholders": list(Shareholder.objects.values_list("pk", "status", "college_id").order_by("pk")),
        "movements": list(ShareMovement.objects.values_list("pk", "number").order_by("pk")),
        "subscriptions": list(SubscriptionRequest.objects.values_list("pk", "status", "shareholder_id").order_by("pk")),
        "redemptions": list(RedemptionRequest.objects.values_list("pk", "status", "due_on").order_by("pk")),
        "accounts": list(Account.objects.values_list("pk", "balance").order_by("pk")),
        "transactions": Transaction.objects.count(),
        "entries": Entry.objects.count(),
    }


def admit(cooperative: Cooperative, member: Member, college_name: str, on: datetime.date) -> Shareholder:
    return shareholder_admit(
        cooperative=cooperative,
        college=college(cooperative, college_name),
        member=member,
        actor=administrator(),
        admitted_on=on,
    )


def subscribe(cooperative: Cooperative, holder: Shareholder, code: str, quantity: int, on: datetime.date) -> Any:
    return share_subscribe(
        cooperative=cooperative,
        shareholder=holder,
        share_class=share_class(cooperative, code),
        quantity=quantity,
        board_decision=f"CA du {on:%d/%m/%Y}",
        paid_on=on,
        actor=administrator(),
    )


def years_ago(years: int) -> datetime.date:
    return months_before(timezone.localdate(), 12 * years)


@pytest.fixture
def admin(db):
    return administrator()


@pytest.fixture
def auditor(db):
    return make_auditor()


@pytest.fixture
def alice(make_member):
    return make_member(username="alice", display_name="Alice")


@pytest.fixture
def bob(make_member):
    return make_member(username="bob", display_name="Bob")


@pytest.fixture
def coop(db):
    return found_scic()


def populate(coop: Cooperative, alice: Member, bob: Member) -> dict[str, Shareholder]:
    """Two years ago Alice took 3 A (Salariés), Bob 5 B (Usagers), the CC 2 A; a year ago Bob gave Alice 2 B.

    Capital 600 €; movements 1 to 4.
    """
    founding, cession = years_ago(2), years_ago(1)
    holders = {
        "alice": admit(coop, alice, "Salariés", founding),
        "bob": admit(coop, bob, "Usagers", founding),
        "cc": shareholder_admit(
            cooperative=coop,
            college=college(coop, "Collectivités"),
            legal_name="CC du Pays des Achards",
            siren=CC_SIREN,
            actor=administrator(),
            admitted_on=founding,
        ),
    }
    subscribe(coop, holders["alice"], "A", 3, founding)
    subscribe(coop, holders["bob"], "B", 5, founding)
    subscribe(coop, holders["cc"], "A", 2, founding)
    share_transfer(
        cooperative=coop,
        from_shareholder=holders["bob"],
        to_shareholder=holders["alice"],
        share_class=share_class(coop, "B"),
        quantity=2,
        board_decision="CA cession",
        effective_on=cession,
        actor=administrator(),
    )
    return holders


@pytest.fixture
def held(coop, alice, bob) -> dict[str, Shareholder]:
    return populate(coop, alice, bob)


@pytest.fixture
def strict(alice, bob) -> tuple[Cooperative, dict[str, Shareholder]]:
    """Statutes with teeth: 2 to 6 shares per member, a capital floor of 500 €; populated as `held`."""
    cooperative = found_scic(min_shares_per_member=2, max_shares_per_member=6, capital_floor=Money("500", "EUR"))
    return cooperative, populate(cooperative, alice, bob)


# --- cooperatives ---------------------------------------------------------------------------


def test_any_member_reads_the_cooperatives_with_statutes_classes_and_colleges(coop, alice):
    data = ok(client(alice.user).get(COOPERATIVES))
    assert data["count"] == 1
    item = data["results"][0]
    created_at = item.pop("created_at")
    assert created_at.startswith(str(coop.created_at.date().year))
    a, b = share_class(coop, "A"), share_class(coop, "B")
    assert item == {
        "id": coop.pk,
        "name": "SCIC Les Tiers-Lieux des Achards",
        "legal_form": "scic",
        "legal_form_label": "SCIC (collective-interest cooperative)",
        "siren": SIREN,
        "seat_address": "2 rue Michel-Breton, 85150 Les Achards",
        "commune": None,
        "commune_name": None,
        "min_shares_per_member": 1,
        "max_shares_per_member": None,
        "lockup_months": 0,
        "redemption_delay_months": 0,
        "board_approval_required": True,
        "capital_floor": "0.00",
        "unit": "EUR",
        "share_classes": [
            {
                "id": a.pk,
                "code": "A",
                "name": "Fondateurs",
                "nominal_value": "100.00",
                "unit": "EUR",
                "description": "",
            },
            {"id": b.pk, "code": "B", "name": "Usagers", "nominal_value": "20.00", "unit": "EUR", "description": ""},
        ],
        "colleges": [
            {"id": college(coop, name).pk, "name": name, "weight": weight, "description": "", "position": position}
            for position, (name, weight) in enumerate([("Salariés", 40), ("Usagers", 30), ("Collectivités", 30)])
        ],
    }
    detail = ok(client(alice.user).get(url(coop)))
    detail.pop("created_at")
    assert detail == item


def test_an_unknown_cooperative_is_not_found_and_an_anonymous_caller_is_refused(coop, alice):
    for pk in (coop.pk + 1000, 2**63, 2**80):
        assert_error(client(alice.user).get(url(pk)), 404, "not_found")
        assert_error(client(alice.user).get(url(pk, "my-shares")), 404, "not_found")
    assert_error(client(None).get(COOPERATIVES), 401, "not_authenticated")
    assert_error(client(None).get(url(coop, "register")), 401, "not_authenticated")


def founding_body(**changes: Any) -> dict[str, Any]:
    body = {
        "name": "SCOP La Menuiserie du Girouard",
        "legal_form": "scop",
        "siren": "552 100 554",
        "seat_address": "Le Bourg, 85150 Le Girouard",
        "min_shares_per_member": 2,
        "max_shares_per_member": 50,
        "lockup_months": 36,
        "redemption_delay_months": 6,
        "board_approval_required": False,
        "capital_floor": "1500.50",
    }
    body.update(changes)
    return body


def test_an_administrator_founds_a_cooperative_with_its_statutes_and_a_capital_account(admin):
    response = client(admin).post(COOPERATIVES, founding_body(), format="json")
    data = ok(response, 201)
    created = Cooperative.objects.get()
    assert {key: data[key] for key in founding_body()} == {
        **founding_body(),
        "siren": "552100554",
    }
    assert (data["id"], data["share_classes"], data["colleges"], data["unit"]) == (created.pk, [], [], "EUR")
    assert (created.capital_floor, created.lockup_months, created.board_approval_required) == (150050, 36, False)
    capital_account = Account.objects.get(pk=created.capital_account_id)
    assert (capital_account.unit, capital_account.balance) == ("EUR", 0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"siren": "552100555"}, "siren"),
        ({"siren": "12"}, "siren"),
        ({"siren": SIREN}, "siren"),  # taken by the SCIC
        ({"legal_form": "sarl"}, "legal_form"),
        ({"name": ""}, "name"),
        ({"seat_address": "x" * 256}, "seat_address"),
        ({"min_shares_per_member": 0}, "min_shares_per_member"),
        ({"min_shares_per_member": 60}, "max_shares_per_member"),
        ({"max_shares_per_member": 1.5}, "max_shares_per_member"),
        ({"lockup_months": -1}, "lockup_months"),
        ({"lockup_months": 40000}, "lockup_months"),
        ({"redemption_delay_months": "six"}, "redemption_delay_months"),
        ({"capital_floor": "-5"}, "capital_floor"),
        ({"capital_floor": "1.234"}, "capital_floor"),
        ({"capital_floor": "NaN"}, "capital_floor"),
        ({"commune": 999999}, "commune"),
    ],
)
def test_a_bad_founding_is_refused_with_the_field_named_and_writes_nothing(coop, admin, changes, field):
    before = snapshot()
    body = assert_error(client(admin).post(COOPERATIVES, founding_body(**changes), format="json"), 400, "invalid")
    assert list(body["fields"]) == [field]
    assert snapshot() == before


def test_only_administrators_found_cooperatives(alice, auditor):
    before = snapshot()
    for user in (alice.user, auditor):
        body = assert_error(client(user).post(COOPERATIVES, founding_body(), format="json"), 403, "permission_denied")
        assert body["message"] == "Only an administrator of the register may do this."
    assert snapshot() == before


# --- share classes and colleges -------------------------------------------------------------


def test_an_administrator_adds_a_share_class_with_its_nominal_value(coop, admin):
    body = {"code": "c", "name": "Partenaires", "nominal_value": "50.5", "description": "Soutiens"}
    data = ok(client(admin).post(url(coop, "share-classes"), body, format="json"), 201)
    created = ShareClass.objects.get(cooperative=coop, code="C")
    assert data == {
        "id": created.pk,
        "code": "C",
        "name": "Partenaires",
        "nominal_value": "50.50",
        "unit": "EUR",
        "description": "Soutiens",
    }
    assert created.nominal_value == 5050


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_bad_nominal_value_is_refused_and_writes_nothing(coop, admin, amount):
    before = snapshot()
    response = client(admin).post(url(coop, "share-classes"), {"code": "C", "name": "P", "nominal_value": amount})
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["nominal_value"]
    assert snapshot() == before


def test_a_share_class_code_already_taken_is_refused(coop, admin):
    before = snapshot()
    response = client(admin).post(url(coop, "share-classes"), {"code": "a", "name": "Bis", "nominal_value": "10"})
    body = assert_error(response, 400, "invalid")
    assert body["fields"] == {"code": ["This cooperative already has a class A."]}
    assert snapshot() == before


def test_the_colleges_with_their_admitted_members_and_their_weights_reweighed(coop, admin, held):
    data = ok(client(admin).get(url(coop, "colleges")))
    assert data["weight_problems"] == []
    assert [(c["name"], c["weight"], c["admitted_members"]) for c in data["colleges"]] == [
        ("Salariés", 40, 1),
        ("Usagers", 30, 1),
        ("Collectivités", 30, 1),
    ]
    body = {
        "colleges": [
            {"name": "Salariés", "weight": 35},
            {"name": "Usagers", "weight": 35, "description": "Habitants"},
            {"name": "Collectivités", "weight": 20},
            {"name": "Bénévoles", "weight": 10},
        ]
    }
    data = ok(client(admin).put(url(coop, "colleges"), body, format="json"))
    assert [(c["name"], c["weight"], c["description"], c["admitted_members"]) for c in data["colleges"]] == [
        ("Salariés", 35, "", 1),
        ("Usagers", 35, "Habitants", 1),
        ("Collectivités", 20, "", 1),
        ("Bénévoles", 10, "", 0),
    ]
    assert College.objects.get(pk=college(coop, "Salariés").pk).weight == 35


@pytest.mark.parametrize(
    ("colleges", "status", "code"),
    [
        ([{"name": "Salariés", "weight": 40}, {"name": "Usagers", "weight": 50}], 422, "invalid_college_weights"),
        ([{"name": "Salariés", "weight": 60}, {"name": "Usagers", "weight": 40}], 422, "invalid_college_weights"),
        ([{"name": "Salariés", "weight": 0}, {"name": "Usagers", "weight": 100}], 400, "invalid"),
        ([{"name": "Salariés", "weight": 50}, {"name": "Salariés", "weight": 50}], 400, "invalid"),
        ([{"name": "Salariés", "weight": "cinquante"}], 400, "invalid"),
        ([], 400, "invalid"),
        # Usagers has a member: it cannot be left out.
        ([{"name": "Salariés", "weight": 50}, {"name": "Collectivités", "weight": 50}], 400, "invalid"),
    ],
)
def test_colleges_that_break_the_rules_are_refused_and_nothing_changes(coop, admin, held, colleges, status, code):
    before = snapshot()
    assert_error(client(admin).put(url(coop, "colleges"), {"colleges": colleges}, format="json"), status, code)
    assert snapshot() == before


# --- shareholders ---------------------------------------------------------------------------


def test_an_administrator_admits_a_member_and_a_legal_person_into_their_colleges(coop, admin, alice):
    today = timezone.localdate()
    data = ok(
        client(admin).post(
            url(coop, "shareholders"),
            {"member": alice.pk, "college": college(coop, "Salariés").pk, "admission_decision": "CA 12"},
            format="json",
        ),
        201,
    )
    admitted = Shareholder.objects.get(member=alice)
    assert data == {
        "id": admitted.pk,
        "display_name": "Alice",
        "member": alice.pk,
        "legal_name": "",
        "siren": "",
        "address": "",
        "college": {"id": college(coop, "Salariés").pk, "name": "Salariés"},
        "status": "admitted",
        "admitted_on": today.isoformat(),
        "admission_decision": "CA 12",
        "shares": 0,
    }
    body = {
        "legal_name": "CC du Pays des Achards",
        "siren": "248 500 530",
        "address": "2 rue Michel-Breton, 85150 Les Achards",
        "college": college(coop, "Collectivités").pk,
        "admitted_on": "2024-03-01",
    }
    data = ok(client(admin).post(url(coop, "shareholders"), body, format="json"), 201)
    assert (data["display_name"], data["member"], data["siren"], data["college"]["name"], data["admitted_on"]) == (
        "CC du Pays des Achards",
        None,
        CC_SIREN,
        "Collectivités",
        "2024-03-01",
    )
    assert Shareholder.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"legal_name": "Commune de Martinet", "siren": "248500531"}, "siren"),
        ({"legal_name": "Commune de Martinet", "siren": ""}, "siren"),
        ({"legal_name": "", "siren": CC_SIREN}, "legal_name"),
        ({"member": 999999}, "member"),
        ({"member": "alice"}, "member"),
        ({"member": "ALICE", "college": None}, "member"),
        ({"admitted_on": "2024-02-30", "legal_name": "X", "siren": CC_SIREN}, "admitted_on"),
    ],
)
def test_a_bad_admission_is_refused_with_the_field_named_and_admits_nobody(coop, admin, body, field):
    before = snapshot()
    full = {"college": college(coop, "Usagers").pk, **body}
    response = client(admin).post(url(coop, "shareholders"), full, format="json")
    assert field in assert_error(response, 400, "invalid")["fields"]
    assert snapshot() == before


def test_a_college_of_another_cooperative_is_refused(coop, admin, alice):
    other = found_scic(siren="552100554")
    before = snapshot()
    response = client(admin).post(
        url(coop, "shareholders"), {"member": alice.pk, "college": college(other, "Usagers").pk}, format="json"
    )
    assert assert_error(response, 400, "invalid")["fields"] == {"college": ["This cooperative has no such college."]}
    assert snapshot() == before


def test_the_shareholders_with_their_college_and_shares_today(coop, admin, held):
    data = ok(client(admin).get(url(coop, "shareholders")))
    assert data["count"] == 3
    assert [
        (s["display_name"], s["member"] is None, s["college"]["name"], s["status"], s["shares"])
        for s in data["results"]
    ] == [
        ("Alice", False, "Salariés", "admitted", 5),
        ("Bob", False, "Usagers", "admitted", 3),
        ("CC du Pays des Achards", True, "Collectivités", "admitted", 2),
    ]


# --- reading the register -------------------------------------------------------------------


def test_the_register_lists_the_movements_in_number_order_page_by_page(coop, admin, held):
    founding, cession = years_ago(2), years_ago(1)
    first_page = ok(client(admin).get(url(coop, "register"), {"limit": 2}))
    assert first_page["count"] == 4
    assert first_page["next"] is not None
    line = first_page["results"][0]
    recorded_at = line.pop("recorded_at")
    assert recorded_at
    first = ShareMovement.objects.get(cooperative=coop, number=1)
    assert line == {
        "number": 1,
        "kind": "subscription",
        "effective_on": founding.isoformat(),
        "share_class": {"id": share_class(coop, "A").pk, "code": "A"},
        "quantity": 3,
        "from_shareholder": None,
        "to_shareholder": {"id": held["alice"].pk, "display_name": "Alice"},
        "capital_delta": "300.00",
        "unit": "EUR",
        "board_decision": f"CA du {founding:%d/%m/%Y}",
        "ledger_transaction": first.ledger_transaction_id,
        "reverses": None,
        "cancelled_by": None,
        "note": "",
    }
    second_page = ok(client(admin).get(url(coop, "register"), {"limit": 2, "offset": 2}))
    lines = [*first_page["results"], *second_page["results"]]
    assert [
        (
            m["number"],
            m["kind"],
            m["share_class"]["code"],
            m["quantity"],
            m["from_shareholder"] and m["from_shareholder"]["display_name"],
            m["to_shareholder"]["display_name"],
            m["capital_delta"],
            m["effective_on"],
        )
        for m in lines
    ] == [
        (1, "subscription", "A", 3, None, "Alice", "300.00", founding.isoformat()),
        (2, "subscription", "B", 5, None, "Bob", "100.00", founding.isoformat()),
        (3, "subscription", "A", 2, None, "CC du Pays des Achards", "200.00", founding.isoformat()),
        (4, "transfer", "B", 2, "Bob", "Alice", "0.00", cession.isoformat()),
    ]
    assert lines[3]["ledger_transaction"] is None


def test_holdings_and_capital_at_a_past_date_and_today(coop, admin, held):
    founding, cession = years_ago(2), years_ago(1)
    before_the_cession = cession - datetime.timedelta(days=1)
    api = client(admin)
    data = ok(api.get(url(coop, "holdings"), {"on": before_the_cession.isoformat()}))
    assert (data["on"], data["total_shares"], data["total_value"], data["unit"]) == (
        before_the_cession.isoformat(),
        10,
        "600.00",
        "EUR",
    )
    assert [
        (h["shareholder"]["display_name"], h["college"]["name"], h["share_class"]["code"], h["shares"], h["value"])
        for h in data["holdings"]
    ] == [
        ("Bob", "Usagers", "B", 5, "100.00"),
        ("Alice", "Salariés", "A", 3, "300.00"),
        ("CC du Pays des Achards", "Collectivités", "A", 2, "200.00"),
    ]
    today = ok(api.get(url(coop, "holdings")))
    assert today["on"] == timezone.localdate().isoformat()
    assert [(h["shareholder"]["display_name"], h["share_class"]["code"], h["shares"]) for h in today["holdings"]] == [
        ("Alice", "A", 3),
        ("Bob", "B", 3),
        ("Alice", "B", 2),
        ("CC du Pays des Achards", "A", 2),
    ]
    before_founding = ok(api.get(url(coop, "holdings"), {"on": (founding - datetime.timedelta(days=1)).isoformat()}))
    assert (before_founding["holdings"], before_founding["total_value"]) == ([], "0.00")

    capital = ok(api.get(url(coop, "capital"), {"on": (founding - datetime.timedelta(days=1)).isoformat()}))
    assert capital == {
        "on": (founding - datetime.timedelta(days=1)).isoformat(),
        "capital": "0.00",
        "capital_floor": "0.00",
        "unit": "EUR",
        "history": [
            {"date": founding.isoformat(), "capital": "600.00"},
            {"date": cession.isoformat(), "capital": "600.00"},
        ],
    }
    assert ok(api.get(url(coop, "capital")))["capital"] == "600.00"


@pytest.mark.parametrize("on", ["2024-02-30", "hier", "2024-1-1x", "10000-01-01"])
def test_a_bad_date_is_refused_with_a_message(coop, admin, held, on):
    for endpoint in ("holdings", "capital", "voters"):
        body = assert_error(client(admin).get(url(coop, endpoint), {"on": on}), 400, "invalid")
        assert list(body["fields"]) == ["on"]


def test_the_voters_by_college_on_a_date(coop, admin, held):
    founding = years_ago(2)
    data = ok(client(admin).get(url(coop, "voters")))
    assert data["on"] == timezone.localdate().isoformat()
    assert [
        (c["college"]["name"], c["college"]["weight"], c["count"], [v["display_name"] for v in c["voters"]])
        for c in data["colleges"]
    ] == [
        ("Salariés", 40, 1, ["Alice"]),
        ("Usagers", 30, 1, ["Bob"]),
        ("Collectivités", 30, 1, ["CC du Pays des Achards"]),
    ]
    early = ok(client(admin).get(url(coop, "voters"), {"on": (founding - datetime.timedelta(days=1)).isoformat()}))
    assert [c["count"] for c in early["colleges"]] == [0, 0, 0]


# --- the general assembly's tally -----------------------------------------------------------


def tally_body(coop: Cooperative, majority: str, **votes: dict[str, int]) -> dict[str, Any]:
    return {"majority": majority, "votes": {str(college(coop, name).pk): count for name, count in votes.items()}}


def test_the_tally_weighs_each_college_by_its_weight(coop, auditor, held, make_member):
    # Two more voters among the users: Usagers has 3 voters.
    for name in ("camille", "louis"):
        holder = admit(coop, make_member(username=name, display_name=name.capitalize()), "Usagers", years_ago(1))
        subscribe(coop, holder, "B", 1, timezone.localdate())
    before = snapshot()
    body = tally_body(
        coop,
        "simple",
        **{"Salariés": {"for": 1}, "Usagers": {"for": 1, "against": 2}, "Collectivités": {"against": 0, "abstain": 1}},
    )
    data = ok(client(auditor).post(url(coop, "assembly", "tally"), body, format="json"))
    # Salariés 100 % for (40), Usagers 1/3 for (30); Collectivités abstained: not counted.
    # (40 × 1 + 30 × 1/3) / 70 = 71.43 %.
    assert data == {
        "majority": "simple",
        "on": timezone.localdate().isoformat(),
        "colleges": [
            {
                "college": college(coop, "Salariés").pk,
                "name": "Salariés",
                "weight": 40,
                "voters": 1,
                "for": 1,
                "against": 0,
                "abstain": 0,
                "percent_for": "100.00",
            },
            {
                "college": college(coop, "Usagers").pk,
                "name": "Usagers",
                "weight": 30,
                "voters": 3,
                "for": 1,
                "against": 2,
                "abstain": 0,
                "percent_for": "33.33",
            },
            {
                "college": college(coop, "Collectivités").pk,
                "name": "Collectivités",
                "weight": 30,
                "voters": 1,
                "for": 0,
                "against": 0,
                "abstain": 1,
                "percent_for": None,
            },
        ],
        "percent_for": "71.43",
        "adopted": True,
    }
    body["majority"] = "two_thirds"
    assert ok(client(auditor).post(url(coop, "assembly", "tally"), body, format="json"))["adopted"] is True
    body = tally_body(
        coop, "two_thirds", **{"Salariés": {"against": 1}, "Usagers": {"for": 3}, "Collectivités": {"for": 1}}
    )
    data = ok(client(auditor).post(url(coop, "assembly", "tally"), body, format="json"))
    # (30 + 30) / 100 = 60 %: a simple majority, not two thirds.
    assert (data["percent_for"], data["adopted"]) == ("60.00", False)
    nobody = ok(client(auditor).post(url(coop, "assembly", "tally"), {"votes": {}}, format="json"))
    assert (nobody["majority"], nobody["percent_for"], nobody["adopted"]) == ("simple", None, False)
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"majority": "unanimity", "votes": {}},
        {"votes": {"Salariés": {"for": 1}}},
        {"votes": {"999999": {"for": 1}}},
        {"votes": {"99999999999999999999999": {"for": 1}}},
        {"votes": {"SALARIES": {"for": -1}}},
        {"votes": {"SALARIES": {"for": 1.5}}},
        {"votes": {"SALARIES": {"for": "un"}}},
        {"votes": {"SALARIES": {"for": True}}},
        {"votes": {"SALARIES": {"for": 2}}},  # one voter in the college
        {"votes": {"SALARIES": {"for": 1, "abstain": 1}}},
        {"votes": {"SALARIES": 1}},
        {"votes": []},
        {},
        {"votes": {}, "on": "demain"},
    ],
)
def test_a_bad_tally_is_refused_with_a_message(coop, admin, held, body):
    def with_college(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        salaries = str(college(coop, "Salariés").pk)
        return {(salaries if key == "SALARIES" else key): with_college(item) for key, item in value.items()}

    response = client(admin).post(url(coop, "assembly", "tally"), with_college(body), format="json")
    assert_error(response, 400, "invalid")


def test_the_tally_is_refused_while_the_college_weights_are_invalid(admin, held):
    scop = found_scic(siren="552100554")
    College.objects.filter(cooperative=scop, name="Salariés").update(weight=20)
    body = assert_error(
        client(admin).post(url(scop, "assembly", "tally"), {"votes": {}}, format="json"), 422, "invalid_college_weights"
    )
    assert body["message"] == "The weights sum to 80 %, not 100 %."


# --- administrators' writes: transfers, subscriptions, cancellations ------------------------


def transfer_body(holders: dict[str, Shareholder], giver: str, taker: str, code: str, quantity: Any, **extra: Any):
    cooperative = holders[giver].cooperative
    return {
        "from_shareholder": holders[giver].pk,
        "to_shareholder": holders[taker].pk,
        "share_class": share_class(cooperative, code).pk,
        "quantity": quantity,
        "board_decision": "CA du 5 mai",
        **extra,
    }


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


# --- who may read and write -----------------------------------------------------------------


READS = [
    ("get", ("register",), None),
    ("get", ("holdings",), None),
    ("get", ("capital",), None),
    ("get", ("colleges",), None),
    ("get", ("shareholders",), None),
    ("get", ("voters",), None),
    ("post", ("assembly", "tally"), {"votes": {}}),
]


def writes(coop: Cooperative, held: dict[str, Shareholder], member: Member) -> list[tuple[str, tuple[Any, ...], Any]]:
    """Every administrator's write, each with a body that an administrator would see accepted."""
    return [
        ("post", (), founding_body()),
        ("post", ("share-classes",), {"code": "C", "name": "Partenaires", "nominal_value": "50"}),
        (
            "put",
            ("colleges",),
            {
                "colleges": [
                    {"name": n, "weight": w} for n, w in [("Salariés", 40), ("Usagers", 30), ("Collectivités", 30)]
                ]
            },
        ),
        ("post", ("shareholders",), {"member": member.pk, "college": college(coop, "Usagers").pk}),
        ("post", ("transfers",), transfer_body(held, "bob", "cc", "B", 1)),
        (
            "post",
            ("subscriptions",),
            {
                "shareholder": held["cc"].pk,
                "share_class": share_class(coop, "A").pk,
                "quantity": 1,
                "board_decision": "CA",
            },
        ),
        ("post", ("movements", 4, "cancel"), {"reason": "Erreur"}),
    ]


def call(api: Any, coop: Cooperative, method: str, path: tuple[Any, ...], body: Any) -> Any:
    target = COOPERATIVES if method == "post" and path == () else url(coop, *path)
    return getattr(api, method)(target, body, format="json")


def test_a_plain_member_cannot_read_the_register_even_as_a_shareholder(coop, held, alice):
    before = snapshot()
    for method, path, body in READS:
        refusal = assert_error(call(client(alice.user), coop, method, path, body), 403, "permission_denied")
        assert refusal["message"] == "Only the register's administrators and auditors may read this."
    assert snapshot() == before


def test_an_auditor_reads_everything_an_administrator_reads(coop, held, admin, auditor):
    for method, path, body in READS:
        as_admin = call(client(admin), coop, method, path, body)
        as_auditor = call(client(auditor), coop, method, path, body)
        assert (as_auditor.status_code, as_auditor.json()) == (200, ok(as_admin)), path


def test_auditors_and_members_are_refused_every_write_and_nothing_is_written(coop, held, auditor, alice, make_member):
    newcomer = make_member(username="eve")
    for user in (auditor, alice.user):
        before = snapshot()
        for method, path, body in writes(coop, held, newcomer):
            refusal = assert_error(call(client(user), coop, method, path, body), 403, "permission_denied")
            assert refusal["message"] == "Only an administrator of the register may do this."
        assert snapshot() == before


def test_an_administrator_sees_every_write_accepted_with_those_same_bodies(coop, held, admin, make_member):
    newcomer = make_member(username="eve")
    statuses = [
        call(client(admin), coop, method, path, body).status_code for method, path, body in writes(coop, held, newcomer)
    ]
    assert statuses == [201, 201, 200, 201, 201, 201, 201]
