"""The cooperative's inbox provider: share requests for the register's administrators only."""

from __future__ import annotations

import pytest

from cooperative.inbox import requests_to_approve
from cooperative.services.requests.subscriptions import subscription_request_create, subscription_request_reject
from core.inbox import inbox_of
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.factories import auditor_user

pytestmark = pytest.mark.django_db


def test_the_board_sees_the_subscription_requests_to_decide(make_member):
    scic = found_scic()
    [empty] = requests_to_approve(administrator())  # nothing waits: the cooperatives, as a shortcut
    assert (empty.count, empty.url, str(empty.label)) == (None, "/cooperatives/", "Coopératives")
    first, second = make_member(username="camille"), make_member(username="louis")
    asked = [
        subscription_request_create(
            cooperative=scic,
            share_class=share_class(scic, "B"),
            quantity=2,
            college=college(scic, "Usagers"),
            actor=member.user,
        )
        for member in (first, second)
    ]
    admin = administrator()
    [item] = requests_to_approve(admin)
    assert (item.key, item.kind, item.count, item.url, str(item.label)) == (
        "approvals",
        "staff",
        2,
        f"/cooperatives/{scic.pk}/approvals/",
        "demandes de parts sociales à traiter",
    )
    subscription_request_reject(request=asked[0], reason="Collège complet", actor=admin)
    assert inbox_of(admin).counts == {"approvals": 1}
    # Neither the members who asked nor an auditor (who reads the queue but decides nothing).
    assert requests_to_approve(first.user) == []
    assert requests_to_approve(auditor_user()) == []
    assert "approvals" not in inbox_of(first.user).counts
