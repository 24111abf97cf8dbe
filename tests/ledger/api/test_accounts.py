"""The ledger API's accounts: who sees which, filters, ids that name nothing, and statements paged by cursor."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

import pytest
from djmoney.money import Money

from ledger.models import Account, Entry, Transaction
from ledger.services import (
    hold_create,
    system_account,
    transfer_create,
)
from tests.conftest import account_of, api_client_for
from tests.ledger.api.support import (
    assert_error,
    balance,
    issue,
)


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
