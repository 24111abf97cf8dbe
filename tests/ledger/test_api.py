"""The ledger's REST API, through the HTTP client: every answer of the contract, and nothing half-posted."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from djmoney.money import Money
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from ledger.kinds import HOLD_CAPTURE, TRANSFER
from ledger.models import Account, Entry, Hold, IdempotencyRecord, Transaction
from ledger.services import (
    account_limits_set,
    account_status_set,
    hold_create,
    system_account,
    transaction_post,
    transfer_create,
)
from tests.conftest import PASSWORD, account_of, api_client_for, requires_postgresql

TRANSFERS = "/api/transfers/"
HOLDS = "/api/holds/"
MALFORMED_JSON = '{"from_account": 1, "to_account": '
DEEPLY_NESTED_JSON = "[" * 100_000


# --- helpers ----------------------------------------------------------------------------------


def issue(account: Account, amount: str) -> Transaction:
    """Put value on a member account from the issuance account, as the issuing flow does."""
    issuance = system_account(Account.SystemCode.ISSUANCE, account.unit)
    legs = [(issuance, -Money(amount, account.unit)), (account, Money(amount, account.unit))]
    if account.unit == "ACH":  # invariant 7: ACH is issued only against euros paid into the guarantee fund
        legs += [
            (system_account(Account.SystemCode.WORLD, "EUR"), -Money(amount, "EUR")),
            (system_account(Account.SystemCode.GUARANTEE_FUND, "EUR"), Money(amount, "EUR")),
        ]
    return transaction_post(legs=legs, memo="issue", actor=None)


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


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def alice(make_member):
    return make_member(username="alice")


@pytest.fixture
def bob(make_member):
    return make_member(username="bob")


@pytest.fixture
def carol(make_member):
    return make_member(username="carol")


@pytest.fixture
def auditor(db):
    user = get_user_model().objects.create_user(username="auditor", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="ledger", codename="audit_ledger"))
    return get_user_model().objects.get(pk=user.pk)  # fresh: no stale permission cache


@pytest.fixture
def funded_alice(alice):
    issue(account_of(alice, "ACH"), "100.00")
    return alice


# --- authentication and units -----------------------------------------------------------------


def test_a_token_from_the_token_endpoint_authenticates_api_calls(funded_alice, bob):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    accounts = client.get("/api/accounts/", {"unit": "ACH"})
    assert accounts.status_code == 200
    assert [account["id"] for account in accounts.json()["results"]] == [account_of(funded_alice, "ACH").pk]

    payment = post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")))
    assert payment.status_code == 201
    assert payment.json()["actor"] == "alice"
    assert balance(account_of(bob, "ACH")) == (1000, 0)


def test_an_unknown_token_answers_401_and_posts_nothing(funded_alice, bob):
    before = ledger_state()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")))
    assert_error(response, 401, "authentication_failed")
    assert ledger_state() == before


def test_anonymous_calls_answer_401(funded_alice, bob):
    client = api_client_for(None)
    account = account_of(funded_alice, "ACH")
    before = ledger_state()
    assert_error(client.get("/api/accounts/"), 401, "not_authenticated")
    assert_error(client.get(f"/api/accounts/{account.pk}/entries/"), 401, "not_authenticated")
    assert_error(post_transfer(client, transfer_body(account, account_of(bob, "ACH"))), 401, "not_authenticated")
    assert_error(client.get("/api/transactions/1/"), 401, "not_authenticated")
    assert_error(client.post("/api/transactions/1/reverse/", {}, format="json"), 401, "not_authenticated")
    assert_error(
        client.post(HOLDS, transfer_body(account, account_of(bob, "ACH")), format="json"), 401, "not_authenticated"
    )
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


def test_units_are_listed_with_their_default_limits_to_anyone(db, settings):
    response = api_client_for(None).get("/api/units/")
    assert response.status_code == 200
    names = {code: str(unit["name"]) for code, unit in settings.BOCAGE_UNITS.items()}
    assert response.json() == [
        {
            "code": "EUR",
            "name": names["EUR"],
            "kind": "fiat",
            "decimals": 2,
            "default_min_balance": "0.00",
            "default_max_balance": None,
        },
        {
            "code": "ACH",
            "name": names["ACH"],
            "kind": "backed",
            "decimals": 2,
            "default_min_balance": "0.00",
            "default_max_balance": None,
        },
        {
            "code": "HRS",
            "name": names["HRS"],
            "kind": "mutual_credit",
            "decimals": 2,
            "default_min_balance": "-20.00",
            "default_max_balance": "100.00",
        },
        {
            "code": "GRN",
            "name": names["GRN"],
            "kind": "mutual_credit",
            "decimals": 2,
            "default_min_balance": "-500.00",
            "default_max_balance": "2000.00",
        },
    ]


# --- accounts ---------------------------------------------------------------------------------


def test_a_member_lists_only_their_own_accounts_with_amounts_as_strings(alice, bob):
    issue(account_of(alice, "ACH"), "12.50")
    hold_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bob, "ACH"),
        amount=Money("2.25", "ACH"),
        actor=None,
    )
    response = api_client_for(alice.user).get("/api/accounts/")
    assert response.status_code == 200
    holder = {"id": alice.pk, "display_name": "Alice", "kind": "individual"}
    common = {"kind": "member", "system_code": "", "label": "Alice", "holder": holder, "status": "open"}
    assert response.json() == {
        "count": 3,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": account_of(alice, "ACH").pk,
                "unit": "ACH",
                **common,
                "balance": "12.50",
                "held": "2.25",
                "available": "10.25",
                "min_balance": "0.00",
                "max_balance": None,
            },
            {
                "id": account_of(alice, "HRS").pk,
                "unit": "HRS",
                **common,
                "balance": "0.00",
                "held": "0.00",
                "available": "20.00",
                "min_balance": "-20.00",
                "max_balance": "100.00",
            },
            {
                "id": account_of(alice, "GRN").pk,
                "unit": "GRN",
                **common,
                "balance": "0.00",
                "held": "0.00",
                "available": "500.00",
                "min_balance": "-500.00",
                "max_balance": "2000.00",
            },
        ],
    }


def test_accounts_are_filtered_by_unit(alice, bob):
    response = api_client_for(alice.user).get("/api/accounts/", {"unit": "HRS"})
    assert response.status_code == 200
    assert [(account["id"], account["unit"]) for account in response.json()["results"]] == [
        (account_of(alice, "HRS").pk, "HRS")
    ]


def test_an_unknown_unit_filter_answers_400_with_the_field(alice):
    response = api_client_for(alice.user).get("/api/accounts/", {"unit": "XYZ"})
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["unit"]


@pytest.mark.parametrize("who", ["staff", "auditor"])
def test_staff_and_auditors_see_every_account(who, alice, bob, staff_user, auditor):
    issuance = system_account(Account.SystemCode.ISSUANCE, "ACH")
    user = {"staff": staff_user, "auditor": auditor}[who]
    response = api_client_for(user).get("/api/accounts/", {"limit": 100})
    assert response.status_code == 200
    ids = [account["id"] for account in response.json()["results"]]
    assert ids == list(Account.objects.order_by("id").values_list("id", flat=True))
    assert issuance.pk in ids
    assert account_of(bob, "GRN").pk in ids
    assert len(ids) == 7
    hrs = api_client_for(user).get("/api/accounts/", {"unit": "HRS"}).json()["results"]
    assert [account["id"] for account in hrs] == [account_of(alice, "HRS").pk, account_of(bob, "HRS").pk]


def test_another_members_account_answers_404(alice, bob):
    client = api_client_for(alice.user)
    assert_error(client.get(f"/api/accounts/{account_of(bob, 'ACH').pk}/"), 404, "not_found")
    assert_error(client.get(f"/api/accounts/{account_of(bob, 'ACH').pk}/entries/"), 404, "not_found")
    issuance = system_account(Account.SystemCode.ISSUANCE, "ACH")
    assert_error(client.get(f"/api/accounts/{issuance.pk}/entries/"), 404, "not_found")


@pytest.mark.parametrize("raw_id", ["abc", "0", "-1", "99999", str(2**63), "9" * 40, "%C3%A9"])
def test_account_ids_that_name_nothing_answer_404(raw_id, alice):
    client = api_client_for(alice.user)
    assert_error(client.get(f"/api/accounts/{raw_id}/"), 404, "not_found")
    assert_error(client.get(f"/api/accounts/{raw_id}/entries/"), 404, "not_found")


def test_an_id_with_a_dot_matches_no_api_route_and_answers_404(alice):
    # The router's id pattern excludes dots: no API route matches, so Django's own (HTML) 404 page answers.
    response = api_client_for(alice.user).get(f"/api/accounts/{account_of(alice, 'ACH').pk}.5/entries/")
    assert response.status_code == 404


def test_the_statement_pages_newest_first_through_the_cursor(funded_alice, bob):
    alice_ach, bob_ach = account_of(funded_alice, "ACH"), account_of(bob, "ACH")
    for i in range(60):
        transfer_create(
            from_account=alice_ach, to_account=bob_ach, amount=Money(f"1.{i:02d}", "ACH"), memo=f"#{i}", actor=None
        )
    client = api_client_for(funded_alice.user)

    first = client.get(f"/api/accounts/{alice_ach.pk}/entries/")
    assert first.status_code == 200
    assert first.json()["previous"] is None
    assert first.json()["next"] is not None
    second = client.get(first.json()["next"])
    assert second.status_code == 200
    assert second.json()["next"] is None

    page_one, page_two = first.json()["results"], second.json()["results"]
    assert len(page_one) == 50
    assert len(page_two) == 11  # 60 payments and the issuance
    assert not {entry["id"] for entry in page_one} & {entry["id"] for entry in page_two}
    statement = page_one + page_two
    assert [entry["id"] for entry in statement] == list(
        Entry.objects.filter(account=alice_ach).order_by("-id").values_list("id", flat=True)
    )
    assert [entry["memo"] for entry in statement] == [f"#{i}" for i in reversed(range(60))] + ["issue"]
    assert statement[0]["amount"] == "-1.59"
    assert statement[0]["balance_after"] == "22.30"  # 100 − (60 + 17.70)
    assert statement[0]["transaction"] == Transaction.objects.get(memo="#59").pk
    assert statement[0]["kind"] == "transfer"
    created = [datetime.fromisoformat(entry["created_at"]) for entry in statement]
    assert created == sorted(created, reverse=True)
    for newer, older in itertools.pairwise(statement):
        assert Decimal(newer["balance_after"]) - Decimal(newer["amount"]) == Decimal(older["balance_after"])
    assert statement[-1]["amount"] == statement[-1]["balance_after"] == "100.00"
    assert balance(alice_ach) == (2230, 0)

    assert client.get(f"/api/accounts/{account_of(bob, 'ACH').pk}/entries/").status_code == 404


def test_the_statement_page_size_follows_limit(funded_alice, bob):
    alice_ach = account_of(funded_alice, "ACH")
    for _ in range(3):
        transfer_create(from_account=alice_ach, to_account=account_of(bob, "ACH"), amount=Money("1", "ACH"), actor=None)
    client = api_client_for(funded_alice.user)
    first = client.get(f"/api/accounts/{alice_ach.pk}/entries/", {"limit": 2}).json()
    second = client.get(first["next"]).json()
    assert [entry["balance_after"] for entry in first["results"]] == ["97.00", "98.00"]
    assert [entry["balance_after"] for entry in second["results"]] == ["99.00", "100.00"]
    assert second["next"] is None


@pytest.mark.parametrize("cursor", ["abc", "cD1hYmM=", "cD0xZTU=", "bz1hYmM="])  # junk, p=abc, p=1e5, o=abc
def test_a_malformed_cursor_answers_404_not_500(cursor, funded_alice):
    account = account_of(funded_alice, "ACH")
    response = api_client_for(funded_alice.user).get(f"/api/accounts/{account.pk}/entries/", {"cursor": cursor})
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("url", ["/api/accounts/", "/api/holds/"])
def test_a_huge_page_limit_is_capped_not_a_500(url, hold, funded_alice):
    client = api_client_for(funded_alice.user)
    for limit in ["99999999999999999999", str(2**63), "-1", "abc"]:
        response = client.get(url, {"limit": limit, "offset": "99999999999999999999"})
        assert response.status_code == 200
        assert response.json()["results"] == []
        page = client.get(url, {"limit": limit}).json()
        assert page["count"] == len(page["results"]) == {"/api/accounts/": 3, "/api/holds/": 1}[url]


# --- transfers --------------------------------------------------------------------------------


def test_a_transfer_posts_both_entries_and_answers_201_with_the_transaction(funded_alice, bob):
    alice_ach, bob_ach = account_of(funded_alice, "ACH"), account_of(bob, "ACH")
    response = post_transfer(api_client_for(funded_alice.user), transfer_body(alice_ach, bob_ach, "12.50"))
    assert response.status_code == 201
    txn = Transaction.objects.get(kind=TRANSFER)
    assert with_parsed_dates(response.json(), "created_at") == expected_transaction(txn, "alice")
    assert [(entry["account"], entry["amount"], entry["balance_after"]) for entry in response.json()["entries"]] == [
        (alice_ach.pk, "-12.50", "87.50"),
        (bob_ach.pk, "12.50", "12.50"),
    ]
    assert txn.memo == "bread"
    assert txn.idempotency_key == f"api:{funded_alice.user.pk}:key-1"
    assert balance(alice_ach) == (8750, 0)
    assert balance(bob_ach) == (1250, 0)


@pytest.mark.parametrize("amount", [2.5, 2, 0.1])
def test_an_amount_sent_as_a_json_number_answers_400_and_posts_nothing(amount, funded_alice, bob):
    # The schema says string: a float has already lost digits before we see it.
    before = ledger_state()
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), amount)
    body = assert_error(post_transfer(api_client_for(funded_alice.user), body), 400, "invalid")
    assert body["fields"] == {"amount": ["Saisissez un montant en chiffres, par exemple « 12.50 »."]}
    assert ledger_state() == before


def test_memo_is_optional(funded_alice, bob):
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    del body["memo"]
    response = post_transfer(api_client_for(funded_alice.user), body)
    assert response.status_code == 201
    assert response.json()["memo"] == ""


@pytest.mark.parametrize("key", [None, "", "   "])
def test_a_transfer_without_idempotency_key_answers_400_and_posts_nothing(key, funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")), key
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["Idempotency-Key"]
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize("key", ["k" * 201, "tab\tinside"])
def test_an_unusable_idempotency_key_answers_400_and_posts_nothing(key, funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")), key
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["Idempotency-Key"]
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


def test_a_replay_returns_the_byte_identical_answer_and_posts_nothing(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "7.00")
    first = post_transfer(client, body, "pay-bob-once")
    assert first.status_code == 201
    after_first = ledger_state()

    second = post_transfer(client, body, "pay-bob-once")
    assert second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert ledger_state() == after_first
    assert balance(account_of(bob, "ACH")) == (700, 0)
    assert Transaction.objects.filter(kind=TRANSFER).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_transfer_whose_answer_fails_leaves_neither_posting_nor_answer_and_its_retry_posts_once(
    funded_alice, bob, monkeypatch
):
    # The posting and its stored answer commit together: when building the answer fails, the
    # posting goes too, the key is free again, and the retry posts exactly once.
    client = api_client_for(funded_alice.user)
    client.raise_request_exception = False
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "7.00")
    before = ledger_state()

    def broken(self, instance):
        raise RuntimeError("the answer could not be built")

    with monkeypatch.context() as patch:
        patch.setattr("ledger.serializers.TransactionSerializer.to_representation", broken)
        assert post_transfer(client, body, "pay-once").status_code == 500

    assert ledger_state() == before
    assert not IdempotencyRecord.objects.filter(key="pay-once").exists()
    retry = post_transfer(client, body, "pay-once")
    assert retry.status_code == 201
    assert balance(account_of(bob, "ACH")) == (700, 0)
    record = IdempotencyRecord.objects.get(key="pay-once")
    assert (record.state, record.response_status) == (IdempotencyRecord.State.DONE, 201)
    assert json.loads(record.response_body)["id"] == retry.json()["id"]


def test_a_transfer_reads_its_accounts_once_and_answers_without_reading_back_what_it_wrote(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "7.00")

    with CaptureQueriesContext(connection) as queries:
        response = post_transfer(client, body, "pay-bob")

    assert response.status_code == 201
    txn = Transaction.objects.get(pk=response.json()["id"])
    assert with_parsed_dates(response.json(), "created_at") == expected_transaction(txn, "alice")
    assert response.json()["reversed_by"] is None
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if 'FROM "ledger_entry"' in q]
    assert not [q for q in sql if '"reverses_id" =' in q]
    # One read of the payer and the payee, then the lock that posts (before: one read each).
    assert len([q for q in sql if q.lstrip().startswith("SELECT") and "ledger_account" in q]) == 2, sql


def test_the_same_key_with_another_body_answers_422_and_posts_nothing(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "7.00"), "k")
    before = ledger_state()
    response = post_transfer(
        client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "8.00"), "k"
    )
    assert_error(response, 422, "idempotency_key_reused")
    assert ledger_state() == before


def test_the_same_key_from_another_member_is_another_operation(funded_alice, bob, carol):
    issue(account_of(bob, "ACH"), "5.00")
    first = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(carol, "ACH")), "k"
    )
    second = post_transfer(
        api_client_for(bob.user), transfer_body(account_of(bob, "ACH"), account_of(carol, "ACH"), "5.00"), "k"
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert balance(account_of(carol, "ACH")) == (1500, 0)


def test_a_transfer_beyond_the_available_balance_answers_422_and_posts_nothing(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    before = ledger_state()
    response = post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "100.01"))
    assert_error(response, 422, "insufficient_funds")
    assert ledger_state() == before


def test_a_refusal_is_replayed_for_the_same_key_even_once_funds_arrive(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "150.00")
    first = post_transfer(client, body, "big")
    assert_error(first, 422, "insufficient_funds")
    issue(account_of(funded_alice, "ACH"), "100.00")
    before = ledger_state()
    second = post_transfer(client, body, "big")
    assert second.status_code == 422
    assert second.content == first.content
    assert ledger_state() == before


def test_a_hold_counts_against_the_available_balance(funded_alice, bob):
    hold_create(
        from_account=account_of(funded_alice, "ACH"),
        to_account=account_of(bob, "ACH"),
        amount=Money("95", "ACH"),
        actor=None,
    )
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user),
        transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "5.01"),
    )
    assert_error(response, 422, "insufficient_funds")
    assert ledger_state() == before


def test_a_time_bank_transfer_beyond_the_lower_limit_answers_422(alice, bob):
    client = api_client_for(alice.user)
    before = ledger_state()
    response = post_transfer(client, transfer_body(account_of(alice, "HRS"), account_of(bob, "HRS"), "20.01"))
    assert_error(response, 422, "insufficient_funds")
    assert ledger_state() == before
    assert (
        post_transfer(client, transfer_body(account_of(alice, "HRS"), account_of(bob, "HRS"), "20"), "k2").status_code
        == 201
    )
    assert balance(account_of(alice, "HRS")) == (-2000, 0)


def test_a_transfer_beyond_the_payees_upper_limit_answers_422_limit_exceeded(alice, bob):
    account_limits_set(account=account_of(bob, "HRS"), min_balance=-2000, max_balance=1000, actor=None)
    before = ledger_state()
    response = post_transfer(
        api_client_for(alice.user), transfer_body(account_of(alice, "HRS"), account_of(bob, "HRS"), "10.01")
    )
    assert_error(response, 422, "limit_exceeded")
    assert ledger_state() == before


def test_a_transfer_between_units_answers_422_unit_mismatch(funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "HRS"))
    )
    assert_error(response, 422, "unit_mismatch")
    assert ledger_state() == before


def test_a_transfer_from_a_frozen_account_answers_422_account_frozen(funded_alice, bob):
    account_status_set(account=account_of(funded_alice, "ACH"), status=Account.Status.FROZEN, actor=None)
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    )
    assert_error(response, 422, "account_frozen")
    assert ledger_state() == before


def test_a_transfer_to_a_frozen_account_answers_422_account_frozen(funded_alice, bob):
    account_status_set(account=account_of(bob, "ACH"), status=Account.Status.FROZEN, actor=None)
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    )
    assert_error(response, 422, "account_frozen")
    assert ledger_state() == before


def test_a_transfer_to_a_closed_account_answers_422_account_closed(funded_alice, bob):
    account_status_set(account=account_of(bob, "ACH"), status=Account.Status.CLOSED, actor=None)
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    )
    assert_error(response, 422, "account_closed")
    assert ledger_state() == before


def test_a_transfer_to_the_same_account_answers_422_same_account(funded_alice):
    account = account_of(funded_alice, "ACH")
    before = ledger_state()
    response = post_transfer(api_client_for(funded_alice.user), transfer_body(account, account))
    assert_error(response, 422, "same_account")
    assert ledger_state() == before


@pytest.mark.parametrize("amount", ["0", "0.00", "1.001", "0.001"])
def test_an_amount_the_unit_cannot_carry_answers_422_invalid_amount(amount, funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user),
        transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), amount),
    )
    assert_error(response, 422, "invalid_amount")
    assert ledger_state() == before


@pytest.mark.parametrize(
    "amount",
    [
        *["abc", "NaN", "-NaN", "sNaN", "Infinity", "-inf", "", "  ", "1,50", "12.50 ACH", "1" * 41],
        *[None, True, [], {}, 5],
        *["-5", "-0", "+5", "1e309", "1e1000", "1e-1000", "1_0", "\u0661", "\uff11", "1 000", "1 h 30"],
    ],
)
def test_an_amount_that_is_not_a_number_answers_400_and_posts_nothing(amount, funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user),
        transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), amount),
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["amount"]
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize("amount", ["1e999999", "1E+1000000", "9e999999999", "-1e999999", "1e-999999999", "1e1001"])
def test_an_exponent_beyond_decimal_arithmetic_answers_400_not_500(amount, funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user),
        transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), amount),
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["amount"]
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


def test_a_json_number_too_large_for_a_float_answers_400(funded_alice, bob):
    before = ledger_state()
    body = (
        f'{{"from_account": {account_of(funded_alice, "ACH").pk}, "to_account": {account_of(bob, "ACH").pk}, '
        '"amount": 1e309}'
    )
    response = api_client_for(funded_alice.user).post(
        TRANSFERS, body, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["amount"]
    assert ledger_state() == before


def test_missing_fields_answer_400_with_each_field(funded_alice):
    before = ledger_state()
    response = post_transfer(api_client_for(funded_alice.user), {})
    body = assert_error(response, 400, "invalid")
    assert sorted(body["fields"]) == ["amount", "from_account", "to_account"]
    assert all(isinstance(messages, list) and messages for messages in body["fields"].values())
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("from_account", "abc"),
        ("from_account", 0),
        ("from_account", -3),
        ("from_account", 1.5),
        ("from_account", None),
        ("to_account", "abc"),
        ("to_account", [1]),
        ("memo", "m" * 256),
        ("memo", {"a": 1}),
        ("memo", "nul\x00inside"),
    ],
)
def test_a_malformed_field_answers_400_with_that_field(field, value, funded_alice, bob):
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    body[field] = value
    before = ledger_state()
    response = post_transfer(api_client_for(funded_alice.user), body)
    assert list(assert_error(response, 400, "invalid")["fields"]) == [field]
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


def test_a_memo_with_a_lone_surrogate_answers_400(funded_alice, bob):
    body = json.dumps(transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), memo="lone \ud800"))
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        TRANSFERS, body, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["memo"]
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        MALFORMED_JSON,
        "{'single': 'quotes'}",
        '{"amount": NaN}',
        "\xff\xfe",
        "[1, 2",
        DEEPLY_NESTED_JSON,
        '{"a":' * 100_000,
    ],
)
def test_malformed_json_answers_400_malformed_and_posts_nothing(raw, funded_alice):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        TRANSFERS, raw, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    assert_error(response, 400, "malformed")
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize("raw", ["[]", '"a string"', "null", "42"])
def test_json_that_is_not_an_object_answers_400_invalid(raw, funded_alice):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        TRANSFERS, raw, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    assert_error(response, 400, "invalid")
    assert ledger_state() == before


def test_an_unsupported_content_type_answers_415_and_posts_nothing(funded_alice):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        TRANSFERS, "amount=1", content_type="text/plain", headers={"Idempotency-Key": "k"}
    )
    assert_error(response, 415, "unsupported_media_type")
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize("to_account", [99999, 2**63, 10**30])
def test_an_unknown_payee_answers_404_and_posts_nothing(to_account, funded_alice):
    before = ledger_state()
    body = {"from_account": account_of(funded_alice, "ACH").pk, "to_account": to_account, "amount": "1.00"}
    assert_error(post_transfer(api_client_for(funded_alice.user), body), 404, "not_found")
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize("from_account", [99999, 2**63, 10**30])
def test_an_unknown_payer_answers_404_and_posts_nothing(from_account, funded_alice, bob):
    before = ledger_state()
    body = {"from_account": from_account, "to_account": account_of(bob, "ACH").pk, "amount": "1.00"}
    assert_error(post_transfer(api_client_for(funded_alice.user), body), 404, "not_found")
    assert ledger_state() == before


def test_paying_from_another_members_account_answers_404_and_posts_nothing(funded_alice, bob):
    before = ledger_state()
    response = post_transfer(
        api_client_for(bob.user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    )
    assert_error(response, 404, "not_found")
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0


def test_paying_into_a_system_account_answers_404_and_posts_nothing(funded_alice):
    issuance = system_account(Account.SystemCode.ISSUANCE, "ACH")
    before = ledger_state()
    response = post_transfer(
        api_client_for(funded_alice.user), transfer_body(account_of(funded_alice, "ACH"), issuance)
    )
    assert_error(response, 404, "not_found")
    assert ledger_state() == before


def test_paying_from_a_system_account_answers_404_even_to_staff(funded_alice, staff_user):
    issuance = system_account(Account.SystemCode.ISSUANCE, "ACH")
    before = ledger_state()
    response = post_transfer(api_client_for(staff_user), transfer_body(issuance, account_of(funded_alice, "ACH")))
    assert_error(response, 404, "not_found")
    assert ledger_state() == before


def test_a_not_found_answer_is_not_stored_so_the_key_can_be_used_again(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    wrong = {"from_account": account_of(funded_alice, "ACH").pk, "to_account": 99999, "amount": "1.00"}
    assert_error(post_transfer(client, wrong, "retry-me"), 404, "not_found")
    right = post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")), "retry-me")
    assert right.status_code == 201
    assert balance(account_of(bob, "ACH")) == (1000, 0)


def test_staff_may_pay_from_any_member_account(funded_alice, bob, staff_user):
    response = post_transfer(
        api_client_for(staff_user), transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    )
    assert response.status_code == 201
    assert response.json()["actor"] == "staff"
    assert balance(account_of(bob, "ACH")) == (1000, 0)


def test_an_auditor_sees_every_account_but_may_not_pay_from_them(funded_alice, bob, auditor):
    client = api_client_for(auditor)
    assert client.get(f"/api/accounts/{account_of(funded_alice, 'ACH').pk}/").json()["balance"] == "100.00"
    before = ledger_state()
    response = post_transfer(client, transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")))
    assert_error(response, 404, "not_found")
    assert ledger_state() == before


def test_get_on_transfers_answers_405(funded_alice):
    assert_error(api_client_for(funded_alice.user).get(TRANSFERS), 405, "method_not_allowed")


# --- transactions -----------------------------------------------------------------------------


@pytest.fixture
def payment(funded_alice, bob) -> Transaction:
    return transfer_create(
        from_account=account_of(funded_alice, "ACH"),
        to_account=account_of(bob, "ACH"),
        amount=Money("30", "ACH"),
        memo="rent",
        actor=funded_alice.user,
    )


@pytest.mark.parametrize("who", ["payer", "payee", "staff", "auditor"])
def test_a_transaction_is_shown_to_its_parties_staff_and_auditors(who, payment, funded_alice, bob, staff_user, auditor):
    user = {"payer": funded_alice.user, "payee": bob.user, "staff": staff_user, "auditor": auditor}[who]
    response = api_client_for(user).get(f"/api/transactions/{payment.pk}/")
    assert response.status_code == 200
    assert with_parsed_dates(response.json(), "created_at") == expected_transaction(payment, "alice")


def test_a_transaction_of_others_answers_404(payment, carol):
    assert_error(api_client_for(carol.user).get(f"/api/transactions/{payment.pk}/"), 404, "not_found")


@pytest.mark.parametrize("raw_id", ["abc", "0", "-1", "99999", str(2**63)])
def test_transaction_ids_that_name_nothing_answer_404(raw_id, payment, staff_user):
    client = api_client_for(staff_user)
    before = ledger_state()
    assert_error(client.get(f"/api/transactions/{raw_id}/"), 404, "not_found")
    assert_error(client.post(f"/api/transactions/{raw_id}/reverse/", {}, format="json"), 404, "not_found")
    assert ledger_state() == before


def test_staff_reverses_a_transaction_once(payment, funded_alice, bob, staff_user):
    client = api_client_for(staff_user)
    response = client.post(f"/api/transactions/{payment.pk}/reverse/", {"memo": "mistake"}, format="json")
    assert response.status_code == 201
    reversal = Transaction.objects.get(reverses=payment)
    assert with_parsed_dates(response.json(), "created_at") == expected_transaction(reversal, "staff")
    assert response.json()["kind"] == "reversal"
    assert response.json()["reverses"] == payment.pk
    assert [entry["amount"] for entry in response.json()["entries"]] == ["30.00", "-30.00"]
    assert balance(account_of(funded_alice, "ACH")) == (10000, 0)
    assert balance(account_of(bob, "ACH")) == (0, 0)
    assert client.get(f"/api/transactions/{payment.pk}/").json()["reversed_by"] == reversal.pk

    before = ledger_state()
    again = client.post(f"/api/transactions/{payment.pk}/reverse/", {}, format="json")
    assert_error(again, 422, "already_reversed")
    assert ledger_state() == before


def test_reversal_without_a_body_uses_a_default_memo(payment, staff_user):
    response = api_client_for(staff_user).post(f"/api/transactions/{payment.pk}/reverse/")
    assert response.status_code == 201
    assert response.json()["memo"] == Transaction.objects.get(reverses=payment).memo
    assert response.json()["memo"] != ""


def test_a_reversal_that_would_break_a_limit_answers_422_and_posts_nothing(payment, bob, carol, staff_user):
    transfer_create(
        from_account=account_of(bob, "ACH"), to_account=account_of(carol, "ACH"), amount=Money("30", "ACH"), actor=None
    )
    before = ledger_state()
    response = api_client_for(staff_user).post(f"/api/transactions/{payment.pk}/reverse/", {}, format="json")
    assert_error(response, 422, "insufficient_funds")
    assert ledger_state() == before


@pytest.mark.parametrize("who", ["payer", "payee", "auditor"])
def test_only_staff_may_reverse(who, payment, funded_alice, bob, auditor):
    user = {"payer": funded_alice.user, "payee": bob.user, "auditor": auditor}[who]
    before = ledger_state()
    response = api_client_for(user).post(f"/api/transactions/{payment.pk}/reverse/", {}, format="json")
    assert_error(response, 403, "permission_denied")
    assert ledger_state() == before


def test_a_malformed_reversal_request_answers_400_and_posts_nothing(payment, staff_user):
    client = api_client_for(staff_user)
    before = ledger_state()
    url = f"/api/transactions/{payment.pk}/reverse/"
    assert_error(client.post(url, MALFORMED_JSON, content_type="application/json"), 400, "malformed")
    assert_error(client.post(url, DEEPLY_NESTED_JSON, content_type="application/json"), 400, "malformed")
    assert list(assert_error(client.post(url, {"memo": "m" * 256}, format="json"), 400, "invalid")["fields"]) == [
        "memo"
    ]
    assert ledger_state() == before


# --- holds ------------------------------------------------------------------------------------


def hold_body(payer: Account, payee: Account, amount: Any = "40.00", **extra: Any) -> dict[str, Any]:
    return {"from_account": payer.pk, "to_account": payee.pk, "amount": amount, "memo": "deposit", **extra}


@pytest.fixture
def hold(funded_alice, bob) -> Hold:
    return hold_create(
        from_account=account_of(funded_alice, "ACH"),
        to_account=account_of(bob, "ACH"),
        amount=Money("40", "ACH"),
        memo="deposit",
        actor=funded_alice.user,
    )


def test_a_hold_reserves_the_amount_and_answers_201(funded_alice, bob):
    expires_at = timezone.now() + timedelta(days=2)
    response = api_client_for(funded_alice.user).post(
        HOLDS,
        hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), expires_at=expires_at.isoformat()),
        format="json",
    )
    assert response.status_code == 201
    hold = Hold.objects.get()
    assert with_parsed_dates(response.json(), "created_at", "expires_at") == {
        "id": hold.pk,
        "from_account": account_of(funded_alice, "ACH").pk,
        "to_account": account_of(bob, "ACH").pk,
        "unit": "ACH",
        "amount": "40.00",
        "captured_amount": "0.00",
        "status": "pending",
        "memo": "deposit",
        "created_at": hold.created_at,
        "expires_at": expires_at,
        "resolved_at": None,
        "capture_transaction": None,
    }
    assert balance(account_of(funded_alice, "ACH")) == (10000, 4000)
    assert Transaction.objects.count() == 1  # only the issuance


def test_a_hold_with_an_idempotency_key_is_created_once(funded_alice, bob):
    client = api_client_for(funded_alice.user)
    body = hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    first = client.post(HOLDS, body, format="json", headers={"Idempotency-Key": "h1"})
    second = client.post(HOLDS, body, format="json", headers={"Idempotency-Key": "h1"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert Hold.objects.count() == 1
    assert balance(account_of(funded_alice, "ACH")) == (10000, 4000)
    other = client.post(HOLDS, {**body, "amount": "1"}, format="json", headers={"Idempotency-Key": "h1"})
    assert_error(other, 422, "idempotency_key_reused")
    assert Hold.objects.count() == 1


def test_a_hold_beyond_the_available_balance_answers_422_and_reserves_nothing(funded_alice, bob):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        HOLDS, hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), "100.01"), format="json"
    )
    assert_error(response, 422, "insufficient_funds")
    assert ledger_state() == before


def test_a_hold_towards_a_frozen_account_answers_422(funded_alice, bob):
    account_status_set(account=account_of(bob, "ACH"), status=Account.Status.FROZEN, actor=None)
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        HOLDS, hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")), format="json"
    )
    assert_error(response, 422, "account_frozen")
    assert ledger_state() == before


def test_a_hold_expiring_in_the_past_answers_400_and_reserves_nothing(funded_alice, bob):
    before = ledger_state()
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    response = api_client_for(funded_alice.user).post(
        HOLDS, hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), expires_at=past), format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["expires_at"]
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"amount": "abc"}, 400, "invalid"),
        ({"amount": "NaN"}, 400, "invalid"),
        ({"amount": "0"}, 422, "invalid_amount"),
        ({"amount": "-5"}, 400, "invalid"),
        ({"amount": "1.001"}, 422, "invalid_amount"),
        ({"expires_at": "tomorrow"}, 400, "invalid"),
        ({"from_account": "abc"}, 400, "invalid"),
        ({"to_account": 99999}, 404, "not_found"),
    ],
)
def test_a_bad_hold_request_is_refused_and_reserves_nothing(change, status, code, funded_alice, bob):
    before = ledger_state()
    body = {**hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH")), **change}
    assert_error(api_client_for(funded_alice.user).post(HOLDS, body, format="json"), status, code)
    assert ledger_state() == before


@pytest.mark.parametrize("raw", [MALFORMED_JSON, DEEPLY_NESTED_JSON])
def test_a_malformed_hold_request_answers_400(raw, funded_alice):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(HOLDS, raw, content_type="application/json")
    assert_error(response, 400, "malformed")
    assert ledger_state() == before


def test_a_hold_from_another_members_account_or_to_a_system_account_answers_404(funded_alice, bob):
    escrow = system_account(Account.SystemCode.ESCROW, "ACH")
    before = ledger_state()
    client = api_client_for(bob.user)
    theirs = hold_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"))
    assert_error(client.post(HOLDS, theirs, format="json"), 404, "not_found")
    system = hold_body(account_of(funded_alice, "ACH"), escrow)
    assert_error(api_client_for(funded_alice.user).post(HOLDS, system, format="json"), 404, "not_found")
    assert ledger_state() == before


def test_the_payer_captures_a_hold_in_full(hold, funded_alice, bob):
    response = api_client_for(funded_alice.user).post(f"/api/holds/{hold.pk}/capture/", {}, format="json")
    assert response.status_code == 200
    hold.refresh_from_db()
    assert response.json()["status"] == "captured"
    assert response.json()["captured_amount"] == "40.00"
    assert response.json()["capture_transaction"] == hold.capture_transaction_id
    assert [(entry.account_id, entry.amount) for entry in hold.capture_transaction.entries.order_by("id")] == [
        (account_of(funded_alice, "ACH").pk, -4000),
        (account_of(bob, "ACH").pk, 4000),
    ]
    assert balance(account_of(funded_alice, "ACH")) == (6000, 0)
    assert balance(account_of(bob, "ACH")) == (4000, 0)


def test_a_partial_capture_posts_that_amount_and_releases_the_rest(hold, funded_alice, bob):
    response = api_client_for(funded_alice.user).post(
        f"/api/holds/{hold.pk}/capture/", {"amount": "15.50"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["amount"], response.json()["captured_amount"]) == (
        "captured",
        "40.00",
        "15.50",
    )
    assert balance(account_of(funded_alice, "ACH")) == (8450, 0)
    assert balance(account_of(bob, "ACH")) == (1550, 0)
    assert Transaction.objects.filter(kind=HOLD_CAPTURE).count() == 1


def test_the_payee_voids_a_hold_and_nothing_is_posted(hold, funded_alice, bob):
    before = ledger_state()
    response = api_client_for(bob.user).post(f"/api/holds/{hold.pk}/void/")
    assert response.status_code == 200
    assert response.json()["status"] == "voided"
    assert response.json()["capture_transaction"] is None
    assert response.json()["resolved_at"] is not None
    assert Transaction.objects.count() == before["transactions"]
    assert Entry.objects.count() == before["entries"]
    assert balance(account_of(funded_alice, "ACH")) == (10000, 0)
    assert balance(account_of(bob, "ACH")) == (0, 0)


@pytest.mark.parametrize("action", ["capture", "void"])
def test_staff_may_capture_or_void_a_hold(action, hold, staff_user):
    response = api_client_for(staff_user).post(f"/api/holds/{hold.pk}/{action}/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == {"capture": "captured", "void": "voided"}[action]


def test_the_payee_may_not_capture_and_the_payer_may_not_void(hold, funded_alice, bob):
    before = ledger_state()
    assert_error(
        api_client_for(bob.user).post(f"/api/holds/{hold.pk}/capture/", {}, format="json"), 403, "permission_denied"
    )
    assert_error(api_client_for(funded_alice.user).post(f"/api/holds/{hold.pk}/void/"), 403, "permission_denied")
    assert ledger_state() == before


@pytest.mark.parametrize("action", ["capture", "void"])
def test_a_stranger_or_an_auditor_gets_404_or_403_on_a_hold(action, hold, carol, auditor):
    before = ledger_state()
    assert_error(
        api_client_for(carol.user).post(f"/api/holds/{hold.pk}/{action}/", {}, format="json"), 404, "not_found"
    )
    assert_error(api_client_for(carol.user).get(f"/api/holds/{hold.pk}/"), 404, "not_found")
    # An auditor sees the hold but is neither party.
    assert api_client_for(auditor).get(f"/api/holds/{hold.pk}/").status_code == 200
    response = api_client_for(auditor).post(f"/api/holds/{hold.pk}/{action}/", {}, format="json")
    assert_error(response, 403, "permission_denied")
    assert ledger_state() == before


@pytest.mark.parametrize("first", ["capture", "void"])
@pytest.mark.parametrize("second", ["capture", "void"])
def test_a_resolved_hold_answers_422_hold_resolved(first, second, hold, staff_user):
    client = api_client_for(staff_user)
    assert client.post(f"/api/holds/{hold.pk}/{first}/", {}, format="json").status_code == 200
    before = ledger_state()
    assert_error(client.post(f"/api/holds/{hold.pk}/{second}/", {}, format="json"), 422, "hold_resolved")
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        ("40.01", 422, "invalid_amount"),
        ("0", 422, "invalid_amount"),
        ("-1", 400, "invalid"),
        ("1.001", 422, "invalid_amount"),
        ("1e309", 400, "invalid"),
        ("1e999999", 400, "invalid"),
        ("abc", 400, "invalid"),
        ("NaN", 400, "invalid"),
    ],
)
def test_a_bad_capture_amount_is_refused_and_the_hold_stays_pending(amount, status, code, hold, funded_alice):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        f"/api/holds/{hold.pk}/capture/", {"amount": amount}, format="json"
    )
    assert_error(response, status, code)
    assert ledger_state() == before


@pytest.mark.parametrize("raw", [MALFORMED_JSON, DEEPLY_NESTED_JSON])
def test_a_capture_with_malformed_json_answers_400(raw, hold, funded_alice):
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(
        f"/api/holds/{hold.pk}/capture/", raw, content_type="application/json"
    )
    assert_error(response, 400, "malformed")
    assert ledger_state() == before


def test_a_capture_towards_a_frozen_payee_answers_422_and_the_hold_stays_pending(hold, funded_alice, bob):
    account_status_set(account=account_of(bob, "ACH"), status=Account.Status.FROZEN, actor=None)
    before = ledger_state()
    response = api_client_for(funded_alice.user).post(f"/api/holds/{hold.pk}/capture/", {}, format="json")
    assert_error(response, 422, "account_frozen")
    assert ledger_state() == before


@pytest.mark.parametrize("raw_id", ["abc", "0", "-1", "99999", str(2**63)])
def test_hold_ids_that_name_nothing_answer_404(raw_id, hold, staff_user):
    client = api_client_for(staff_user)
    before = ledger_state()
    assert_error(client.get(f"/api/holds/{raw_id}/"), 404, "not_found")
    assert_error(client.post(f"/api/holds/{raw_id}/capture/", {}, format="json"), 404, "not_found")
    assert_error(client.post(f"/api/holds/{raw_id}/void/"), 404, "not_found")
    assert ledger_state() == before


def test_holds_are_listed_to_their_parties_only(hold, funded_alice, bob, carol):
    for user, expected in [(funded_alice.user, [hold.pk]), (bob.user, [hold.pk]), (carol.user, [])]:
        response = api_client_for(user).get(HOLDS)
        assert response.status_code == 200
        assert [item["id"] for item in response.json()["results"]] == expected


# --- schema -----------------------------------------------------------------------------------


def test_the_schema_is_valid_openapi_3(db):
    response = api_client_for(None).get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3")
    validate_schema(schema)
    for path in ["/api/transfers/", "/api/accounts/{id}/entries/", "/api/holds/{id}/capture/", "/api/members/"]:
        assert path in schema["paths"]
    parameters = schema["paths"]["/api/transfers/"]["post"]["parameters"]
    assert {"in": "header", "name": "Idempotency-Key"}.items() <= parameters[0].items()


def test_the_schema_is_served_as_json_on_request(db):
    response = api_client_for(None).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3")


def test_the_docs_page_answers_200(db):
    response = api_client_for(None).get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


# --- concurrency (PostgreSQL) -----------------------------------------------------------------


def twins(user_id: int, post: Callable[[APIClient], Any], count: int = 10) -> list[tuple[int, Any]]:
    """`count` clients of one user send the same request at once; each one's status and JSON answer."""
    barrier = threading.Barrier(count)

    def send(_: int) -> tuple[int, Any]:
        try:
            client = api_client_for(get_user_model().objects.get(pk=user_id))
            barrier.wait(timeout=30)
            response = post(client)
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(send, range(count)))


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_twins_of_a_transfer_then_of_a_hold_each_write_once_and_all_get_its_answer(make_member):
    alice, bob = make_member(username="alice"), make_member(username="bob")
    issue(account_of(alice, "ACH"), "100.00")
    body = transfer_body(account_of(alice, "ACH"), account_of(bob, "ACH"), "10.00")
    transactions_before = Transaction.objects.count()

    answers = twins(alice.user_id, lambda client: post_transfer(client, body, "concurrent-key"))

    # Each twin waited for the one that held the key, then replayed its answer: no 409.
    assert [status for status, _ in answers] == [201] * 10, answers
    assert all(answer == answers[0][1] for _, answer in answers)
    assert Transaction.objects.count() == transactions_before + 1
    assert answers[0][1]["id"] == Transaction.objects.get(kind=TRANSFER).pk
    assert balance(account_of(alice, "ACH")) == (9000, 0)
    assert balance(account_of(bob, "ACH")) == (1000, 0)
    retry = post_transfer(api_client_for(alice.user), body, "concurrent-key")
    assert retry.status_code == 201
    assert retry.json() == answers[0][1]
    assert Transaction.objects.count() == transactions_before + 1

    hold = hold_body(account_of(alice, "ACH"), account_of(bob, "ACH"), "25.00")
    answers = twins(
        alice.user_id, lambda client: client.post(HOLDS, hold, format="json", headers={"Idempotency-Key": "hold-once"})
    )

    assert [status for status, _ in answers] == [201] * 10, answers
    assert all(answer == answers[0][1] for _, answer in answers)
    assert list(Hold.objects.values_list("pk", flat=True)) == [answers[0][1]["id"]]
    assert balance(account_of(alice, "ACH")) == (9000, 2500)


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_twins_of_a_request_that_finds_nothing_all_answer_404_never_500(make_member):
    alice = make_member(username="alice")
    body = {"from_account": account_of(alice, "ACH").pk, "to_account": 99999, "amount": "1.00"}
    before = ledger_state()
    answers: list[tuple[int, Any]] = []
    for round_ in range(5):
        answers += twins(alice.user_id, lambda client, key=f"lost-{round_}": post_transfer(client, body, key))

    # Each twin waited for the one holding the key; that one kept nothing, so each ran in turn.
    assert {(status, answer["code"]) for status, answer in answers} == {(404, "not_found")}
    assert len(answers) == 50
    assert ledger_state() == before
    assert IdempotencyRecord.objects.count() == 0
