"""Malformed amounts, wrong units, unknown accounts, oversized bodies and uploads on the money-moving API.

Each is answered with a clean JSON error `{"code", "message"}` (400, 413 or 422) and writes nothing:
the ledger's row counts and every balance are what they were before.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from crowdfunding.models import Pledge
from currency.models import PaymentRequest
from ledger.models import Account, Entry, Hold, Transaction
from tests.conftest import account_of, api_client_for
from tests.crowdfunding.helpers import live_campaign
from tests.currency.funding import give_ach
from tests.exchange.test_listings import publish

MALFORMED_AMOUNTS: list[Any] = [
    -5,
    0,
    "-5",
    "0",
    "1.234",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "1e309",
    "1e-309",
    "9" * 40,
    "",
    " ",
    None,
    True,
    [],
    {},
    "10 EUR",
    "ten",
]
UNKNOWN_ACCOUNT_IDS: list[Any] = [0, -1, 2**63, "abc", 999_999_999]
CLEAN_ERRORS = {400, 413, 422}


@pytest.fixture
def alice(make_member):
    member = make_member(username="alice")
    give_ach(member, "100.00")
    return member


@pytest.fixture
def bruno(make_member):
    return make_member(username="bruno")


def snapshot() -> dict[str, Any]:
    return {
        "transactions": Transaction.objects.count(),
        "entries": Entry.objects.count(),
        "holds": Hold.objects.count(),
        "pledges": Pledge.objects.count(),
        "payment_requests": PaymentRequest.objects.count(),
        "balances": dict(Account.objects.order_by("id").values_list("id", "balance")),
    }


def assert_clean_error(response, statuses: set[int] = CLEAN_ERRORS) -> None:
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]


def money_moving_requests(alice, bruno, amount: Any) -> list[tuple[str, dict[str, Any]]]:
    payer, payee = account_of(alice, "ACH").id, account_of(bruno, "ACH").id
    campaign = live_campaign(bruno, goal="100")
    return [
        ("/api/transfers/", {"from_account": payer, "to_account": payee, "amount": amount}),
        ("/api/holds/", {"from_account": payer, "to_account": payee, "amount": amount}),
        (f"/api/campaigns/{campaign.id}/pledges/", {"amount": amount}),
        ("/api/payment-requests/", {"account": payee, "amount": amount}),
    ]


def post_json(client, url: str, body: Any):
    return client.post(url, data=json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")


@pytest.mark.parametrize("amount", MALFORMED_AMOUNTS, ids=repr)
def test_a_malformed_amount_is_refused_cleanly_and_moves_nothing(alice, bruno, amount):
    requests = money_moving_requests(alice, bruno, amount)
    before = snapshot()
    for url, body in requests:
        # The payment request is asked by the payee; everything else is paid by alice.
        client = api_client_for((bruno if "payment-requests" in url else alice).user)
        assert_clean_error(post_json(client, url, body))
    assert snapshot() == before


@pytest.mark.parametrize("field", ["from_account", "to_account"])
@pytest.mark.parametrize("account_id", UNKNOWN_ACCOUNT_IDS, ids=repr)
@pytest.mark.parametrize("url", ["/api/transfers/", "/api/holds/"])
def test_an_unknown_account_is_refused_cleanly_and_moves_nothing(alice, bruno, url, field, account_id):
    body = {"from_account": account_of(alice, "ACH").id, "to_account": account_of(bruno, "ACH").id, "amount": "5"}
    body[field] = account_id
    before = snapshot()
    assert_clean_error(post_json(api_client_for(alice.user), url, body), CLEAN_ERRORS | {404})
    assert snapshot() == before


@pytest.mark.parametrize("account_id", UNKNOWN_ACCOUNT_IDS, ids=repr)
def test_a_payment_request_into_an_unknown_account_is_refused_cleanly(alice, account_id):
    before = snapshot()
    response = post_json(api_client_for(alice.user), "/api/payment-requests/", {"account": account_id, "amount": "5"})
    assert_clean_error(response, CLEAN_ERRORS | {404})
    assert snapshot() == before


@pytest.mark.parametrize("url", ["/api/transfers/", "/api/holds/"])
def test_a_payment_between_accounts_of_different_units_is_refused_and_moves_nothing(alice, bruno, url):
    body = {"from_account": account_of(alice, "ACH").id, "to_account": account_of(bruno, "HRS").id, "amount": "5"}
    before = snapshot()
    assert_clean_error(post_json(api_client_for(alice.user), url, body))
    assert snapshot() == before


def test_a_payment_in_a_unit_named_in_the_amount_is_refused(alice, bruno):
    body = {"from_account": account_of(alice, "ACH").id, "to_account": account_of(bruno, "ACH").id}
    before = snapshot()
    for amount in ({"amount": "5", "currency": "EUR"}, "5 EUR", "EUR 5"):
        assert_clean_error(post_json(api_client_for(alice.user), "/api/transfers/", {**body, "amount": amount}))
    assert snapshot() == before


def test_a_body_over_ten_mebibytes_is_refused_with_a_json_error(alice, bruno):
    body = {
        "from_account": account_of(alice, "ACH").id,
        "to_account": account_of(bruno, "ACH").id,
        "amount": "5",
        "memo": "x" * (10 * 1024 * 1024 + 1),
    }
    before = snapshot()
    assert_clean_error(post_json(api_client_for(alice.user), "/api/transfers/", body), {400, 413})
    assert snapshot() == before


def test_an_image_over_five_megabytes_is_refused_with_a_json_error(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    listing = publish(alice)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, "PNG")
    big = SimpleUploadedFile("big.png", buffer.getvalue() + b"\0" * (5 * 1024 * 1024 + 1), content_type="image/png")
    response = api_client_for(alice.user).post(
        f"/api/listings/{listing.id}/photos/", {"image": big}, format="multipart"
    )
    assert_clean_error(response, {400, 413})
    assert listing.photos.count() == 0
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))
