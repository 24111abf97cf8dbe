"""Who may read and write the register through the API: administrators, auditors, members.

Every refusal is checked to write nothing (`snapshot`). Messages are read in English.
"""

from __future__ import annotations

from typing import Any

import pytest

from cooperative.models import (
    Cooperative,
    Shareholder,
)
from members.models import Member
from tests.cooperative.api_support import (
    COOPERATIVES,
    assert_error,
    client,
    founding_body,
    ok,
    snapshot,
    transfer_body,
    url,
)
from tests.cooperative.helpers import college, share_class

pytestmark = pytest.mark.django_db


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
