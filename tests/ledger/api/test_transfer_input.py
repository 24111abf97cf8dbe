"""Malformed transfer requests (amounts, missing or bad fields, JSON, content types) answer 4xx, post nothing."""

from __future__ import annotations

import json

import pytest

from core.models import IdempotencyRecord
from tests.conftest import account_of, api_client_for
from tests.ledger.api.support import (
    DEEPLY_NESTED_JSON,
    MALFORMED_JSON,
    TRANSFERS,
    assert_error,
    ledger_state,
    post_transfer,
    transfer_body,
)


@pytest.mark.parametrize("amount", [2.5, 2, 0.1])
def test_an_amount_sent_as_a_json_number_answers_400_and_posts_nothing(amount, funded_alice, bob):
    # The schema says string: a float has already lost digits before we see it.
    before = ledger_state()
    body = transfer_body(account_of(funded_alice, "ACH"), account_of(bob, "ACH"), amount)
    body = assert_error(post_transfer(api_client_for(funded_alice.user), body), 400, "invalid")
    assert body["fields"] == {"amount": ["Saisissez un montant en chiffres, par exemple «\u00a012.50\u00a0»."]}
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
