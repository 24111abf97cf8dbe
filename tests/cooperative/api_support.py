"""Helpers of the cooperative API tests (no tests here): the client, urls, the error contract, request bodies,
the register `populate`d, and `snapshot`, what a refusal must leave as it was.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from cooperative.models import (
    College,
    Cooperative,
    RedemptionRequest,
    ShareClass,
    Shareholder,
    ShareMovement,
    SubscriptionRequest,
)
from cooperative.services.register import months_before, share_transfer
from cooperative.services.requests import share_subscribe
from cooperative.services.setup import shareholder_admit
from ledger.models import Account, Entry, Transaction
from members.models import Member
from tests.conftest import api_client_for
from tests.cooperative.helpers import administrator, college, share_class

COOPERATIVES = "/api/cooperatives/"


CC_SIREN = "248500530"  # the community of communes: a legal person shareholder


BAD_QUANTITIES = [0, -1, 1.5, "trois", 1_000_001, 10**30, None, True]


BAD_AMOUNTS = ["abc", "NaN", "1e309", "-5", "0", "1.234"]


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


def tally_body(coop: Cooperative, majority: str, **votes: dict[str, int]) -> dict[str, Any]:
    return {"majority": majority, "votes": {str(college(coop, name).pk): count for name, count in votes.items()}}


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
