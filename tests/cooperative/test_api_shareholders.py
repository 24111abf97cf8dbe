"""API of the register's shareholders: admissions into colleges, and who holds what today.

Every refusal is checked to write nothing (`snapshot`). Messages are read in English.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from cooperative.models import Shareholder
from tests.cooperative.api_support import (
    CC_SIREN,
    assert_error,
    client,
    ok,
    snapshot,
    url,
)
from tests.cooperative.helpers import college, found_scic

pytestmark = pytest.mark.django_db


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
