"""Helpers of the ledger API tests (no tests here): request bodies, the error contract, what a refusal must leave."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from rest_framework.test import APIClient

from ledger.models import Account, Entry, Hold, Transaction
from tests.factories import fund

TRANSFERS = "/api/transfers/"


HOLDS = "/api/holds/"


MALFORMED_JSON = '{"from_account": 1, "to_account": '


DEEPLY_NESTED_JSON = "[" * 100_000


def issue(account: Account, amount: str) -> Transaction:
    """Put value on a member account by a real posting, as the issuing flow does (memo "issue")."""
    return fund(account, amount, memo="issue")


def ledger_state() -> dict[str, Any]:
    """Everything a posting could write: compare before and after a refusal."""
    return {
        "transactions": Transaction.objects.count(),
        "entries": Entry.objects.count(),
        "holds": list(Hold.objects.order_by("id").values_list("id", "status", "captured_amount")),
        "accounts": list(Account.objects.order_by("id").values_list("id", "balance", "held", "status")),
    }


def balance(account: Account) -> tuple[int, int]:
    account.refresh_from_db()
    return account.balance, account.held


def post_transfer(client: APIClient, body: Any, key: str | None = "key-1") -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(TRANSFERS, body, format="json", headers=headers)


def transfer_body(from_account: Account, to_account: Account, amount: Any = "10.00", memo: str = "bread") -> dict:
    return {"from_account": from_account.pk, "to_account": to_account.pk, "amount": amount, "memo": memo}


def expected_transaction(txn: Transaction, actor: str) -> dict[str, Any]:
    entries = Entry.objects.filter(transaction=txn).order_by("id")
    return {
        "id": txn.pk,
        "kind": txn.kind_id,
        "memo": txn.memo,
        "memo_display": txn.memo,  # a typed memo reads as typed (tests/ledger/test_memos.py: system memos)
        "actor": actor,
        "created_at": txn.created_at,
        "reverses": txn.reverses_id,
        "reversed_by": Transaction.objects.filter(reverses=txn).values_list("pk", flat=True).first(),
        "entries": [
            {
                "id": entry.pk,
                "account": entry.account_id,
                "unit": entry.unit,
                "amount": f"{Decimal(entry.amount).scaleb(-2)}",
                "balance_after": f"{Decimal(entry.balance_after).scaleb(-2)}",
            }
            for entry in entries
        ],
    }


def with_parsed_dates(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: datetime.fromisoformat(value) if key in keys and value else value for key, value in body.items()}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert set(body) <= {"code", "message", "fields"}
    return body


def hold_body(payer: Account, payee: Account, amount: Any = "40.00", **extra: Any) -> dict[str, Any]:
    return {"from_account": payer.pk, "to_account": payee.pk, "amount": amount, "memo": "deposit", **extra}
