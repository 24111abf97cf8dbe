"""API of cooperatives: founding with statutes, share classes, colleges and their weights.

Every refusal is checked to write nothing (`snapshot`). Messages are read in English.
"""

from __future__ import annotations

import pytest

from cooperative.models import (
    College,
    Cooperative,
    ShareClass,
)
from ledger.models import Account
from tests.cooperative.api_support import (
    BAD_AMOUNTS,
    COOPERATIVES,
    assert_error,
    client,
    founding_body,
    ok,
    snapshot,
    url,
)
from tests.cooperative.helpers import SIREN, college, share_class

pytestmark = pytest.mark.django_db


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
