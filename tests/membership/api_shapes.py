"""What the members API answers (/api/members/): its errors, its accounts, a new member's request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from ledger.models import Account
from members.models import ApiToken, Member
from tests.conftest import account_of

MEMBERS = "/api/members/"
TOKEN = "/api/auth/token/"
NEW_PASSWORD = "a-long-hedge-of-hawthorn-42"


def people_state() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "members": Member.objects.count(),
        "accounts": Account.objects.count(),
        "tokens": ApiToken.objects.count(),
    }


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert set(body) <= {"code", "message", "fields"}
    return body


def new_member(**changes: Any) -> dict[str, Any]:
    return {
        "username": "la-ferme",
        "password": NEW_PASSWORD,
        "display_name": "La Ferme des Achards",
        "kind": "business",
        **changes,
    }


def expected_accounts(member: Member) -> list[dict[str, Any]]:
    holder = {"id": member.pk, "display_name": member.display_name, "kind": member.kind}
    limits = {
        "ACH": ("0.00", None, "0.00"),
        "HRS": ("-20.00", "100.00", "20.00"),
        "GRN": ("-500.00", "2000.00", "500.00"),
    }
    return [
        {
            "id": account_of(member, unit).pk,
            "unit": unit,
            "kind": "member",
            "system_code": "",
            "label": member.display_name,
            "holder": holder,
            "balance": "0.00",
            "held": "0.00",
            "available": available,
            "min_balance": min_balance,
            "max_balance": max_balance,
            "status": "open",
        }
        for unit, (min_balance, max_balance, available) in limits.items()
    ]


def blank_details(member: Member) -> dict:
    """What a member created with only the required fields shows: active, a year of membership."""
    return {
        "status": "active",
        "commune": None,
        "address": "",
        "phone": "",
        "activity": "",
        "in_directory": False,
        "siren": "",
        "siret": "",
        "vat_number": "",
        "rna": "",
        "iban": "",
        "bic": "",
        "membership_expires_on": member.membership_expires_on.isoformat(),
    }
