"""Payment requests: created by the payee, paid once by someone else, through services and the API."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError
from currency.errors import PaymentRequestCancelled, PaymentRequestExpired, PaymentRequestPaid
from currency.models import PaymentRequest
from currency.services.payments import (
    payment_request_cancel,
    payment_request_create,
    payment_request_pay,
)
from ledger.errors import InsufficientFunds, InvalidAmount, SameAccount
from ledger.kinds import TRANSFER
from ledger.models import Entry, Transaction
from members.models import Member
from tests.conftest import account_of, api_client_for, requires_postgresql

from .funding import give_ach

REQUESTS = "/api/payment-requests/"


@pytest.fixture
def bakery(make_member) -> Member:
    return make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="Boulangerie des Achards")


@pytest.fixture
def camille(make_member) -> Member:
    member = make_member(username="camille", display_name="Camille")
    give_ach(member, "50.00")
    return member


def ask(bakery: Member, amount: str = "12.50", unit: str = "ACH", **extra) -> PaymentRequest:
    return payment_request_create(
        payee_account=account_of(bakery, unit),
        amount=Money(amount, unit),
        memo="2 baguettes",
        actor=bakery.user,
        **extra,
    )


def ledger_counts() -> tuple[int, int]:
    return Transaction.objects.count(), Entry.objects.count()


# --- services ---------------------------------------------------------------------------------


def test_a_request_paid_moves_the_amount_once_and_links_the_transaction(bakery, camille):
    request = ask(bakery)
    assert request.amount == 1250 and request.status == PaymentRequest.Status.OPEN

    paid = payment_request_pay(request=request, payer_account=account_of(camille, "ACH"), actor=camille.user)

    assert paid.status == PaymentRequest.Status.PAID
    assert paid.paid_by == camille
    assert paid.transaction.idempotency_key == f"payment-request:{request.pk}"
    assert account_of(camille, "ACH").balance == 3750
    assert account_of(bakery, "ACH").balance == 1250


def test_paying_a_paid_request_again_is_refused_and_posts_nothing(bakery, camille):
    request = ask(bakery)
    payment_request_pay(request=request, payer_account=account_of(camille, "ACH"), actor=camille.user)
    before = ledger_counts()

    with pytest.raises(PaymentRequestPaid) as refused:
        payment_request_pay(request=request, payer_account=account_of(camille, "ACH"), actor=camille.user)

    assert refused.value.code == "payment_request_paid"
    assert ledger_counts() == before
    assert account_of(camille, "ACH").balance == 3750


def test_an_expired_request_cannot_be_paid(bakery, camille):
    request = ask(bakery, expires_at=timezone.now() + timedelta(minutes=5))
    PaymentRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = ledger_counts()

    with pytest.raises(PaymentRequestExpired):
        payment_request_pay(request=request, payer_account=account_of(camille, "ACH"), actor=camille.user)

    assert ledger_counts() == before
    assert PaymentRequest.objects.get(pk=request.pk).status == PaymentRequest.Status.OPEN


def test_a_cancelled_request_cannot_be_paid(bakery, camille):
    request = ask(bakery)
    payment_request_cancel(request=request, actor=bakery.user)
    before = ledger_counts()

    with pytest.raises(PaymentRequestCancelled):
        payment_request_pay(request=request, payer_account=account_of(camille, "ACH"), actor=camille.user)

    assert ledger_counts() == before


def test_the_payee_cannot_pay_their_own_request(bakery):
    give_ach(bakery, "20.00")
    request = ask(bakery)
    before = ledger_counts()

    with pytest.raises(SameAccount):
        payment_request_pay(request=request, payer_account=account_of(bakery, "ACH"), actor=bakery.user)

    assert ledger_counts() == before
    assert PaymentRequest.objects.get(pk=request.pk).status == PaymentRequest.Status.OPEN


def test_a_payer_without_enough_funds_is_refused_and_the_request_stays_open(bakery, make_member):
    poor = make_member(username="poor")
    request = ask(bakery)
    before = ledger_counts()

    with pytest.raises(InsufficientFunds):
        payment_request_pay(request=request, payer_account=account_of(poor, "ACH"), actor=poor.user)

    assert ledger_counts() == before
    assert PaymentRequest.objects.get(pk=request.pk).status == PaymentRequest.Status.OPEN


def test_a_paid_request_cannot_be_cancelled(bakery, camille):
    request = ask(bakery)
    payment_request_pay(request=request, payer_account=account_of(camille, "ACH"), actor=camille.user)
    with pytest.raises(PaymentRequestPaid):
        payment_request_cancel(request=request, actor=bakery.user)


def test_only_the_payee_may_cancel(bakery, camille):
    request = ask(bakery)
    with pytest.raises(ApplicationError) as refused:
        payment_request_cancel(request=request, actor=camille.user)
    assert refused.value.code == "permission_denied"
    assert PaymentRequest.objects.get(pk=request.pk).status == PaymentRequest.Status.OPEN


def test_a_request_is_only_into_your_own_account_and_for_a_positive_amount(bakery, camille):
    with pytest.raises(ApplicationError) as not_yours:
        payment_request_create(
            payee_account=account_of(bakery, "ACH"), amount=Money("5", "ACH"), memo="", actor=camille.user
        )
    assert not_yours.value.code == "permission_denied"
    with pytest.raises(InvalidAmount):
        ask(bakery, amount="0")
    with pytest.raises(InvalidAmount):
        ask(bakery, amount="1.005")
    assert PaymentRequest.objects.count() == 0


def test_a_request_in_hours_is_paid_in_hours(bakery, camille):
    request = ask(bakery, amount="1.5", unit="HRS")
    payment_request_pay(request=request, payer_account=account_of(camille, "HRS"), actor=camille.user)
    assert account_of(camille, "HRS").balance == -150
    assert account_of(bakery, "HRS").balance == 150


# --- API --------------------------------------------------------------------------------------


def test_api_create_get_pay_then_pay_again(bakery, camille):
    business = api_client_for(bakery.user)
    created = business.post(
        REQUESTS, {"account": account_of(bakery, "ACH").pk, "amount": "12.50", "memo": "Pain"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["amount"] == "12.50" and body["unit"] == "ACH" and body["status"] == "open"
    assert body["pay_url"] == f"http://testserver/pay/r/{body['token']}/"
    token = body["token"]

    payer = api_client_for(camille.user)
    seen = payer.get(f"{REQUESTS}{token}/")
    assert seen.status_code == 200 and seen.json()["payee"] == "Boulangerie des Achards"

    paid = payer.post(f"{REQUESTS}{token}/pay/", {"from_account": account_of(camille, "ACH").pk}, format="json")
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "paid" and paid.json()["transaction"] is not None

    again = payer.post(f"{REQUESTS}{token}/pay/", {"from_account": account_of(camille, "ACH").pk}, format="json")
    assert again.status_code == 422
    assert again.json()["code"] == "payment_request_paid"
    assert Transaction.objects.filter(kind=TRANSFER).count() == 1
    assert [item["token"] for item in business.get(REQUESTS).json()] == [token]
    assert payer.get(REQUESTS).json() == []


def test_api_status_codes(bakery, camille, make_member):
    business = api_client_for(bakery.user)
    payer = api_client_for(camille.user)
    token = str(ask(bakery).token)

    assert api_client_for(None).get(REQUESTS).status_code == 401
    assert payer.get(f"{REQUESTS}not-a-uuid/").status_code == 404
    assert payer.get(f"{REQUESTS}00000000-0000-0000-0000-000000000000/").status_code == 404
    malformed = business.post(REQUESTS, {"account": account_of(bakery, "ACH").pk, "amount": "abc"}, format="json")
    assert malformed.status_code == 400
    not_mine = payer.post(REQUESTS, {"account": account_of(bakery, "ACH").pk, "amount": "1"}, format="json")
    assert not_mine.status_code == 404  # someone else's account is not even visible
    zero = business.post(REQUESTS, {"account": account_of(bakery, "ACH").pk, "amount": "0"}, format="json")
    assert zero.status_code == 422 and zero.json()["code"] == "invalid_amount"

    others_account = payer.post(f"{REQUESTS}{token}/pay/", {"from_account": account_of(bakery, "ACH").pk})
    assert others_account.status_code == 404
    own = business.post(f"{REQUESTS}{token}/pay/", {"from_account": account_of(bakery, "ACH").pk})
    assert own.status_code == 422 and own.json()["code"] == "same_account"
    wrong_unit = payer.post(f"{REQUESTS}{token}/pay/", {"from_account": account_of(camille, "HRS").pk})
    assert wrong_unit.status_code == 422 and wrong_unit.json()["code"] == "unit_mismatch"

    assert payer.post(f"{REQUESTS}{token}/cancel/").status_code == 403
    cancelled = business.post(f"{REQUESTS}{token}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    late = payer.post(f"{REQUESTS}{token}/pay/", {"from_account": account_of(camille, "ACH").pk})
    assert late.status_code == 422 and late.json()["code"] == "payment_request_cancelled"

    expiring = ask(bakery, expires_at=timezone.now() + timedelta(minutes=1))
    PaymentRequest.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = payer.post(f"{REQUESTS}{expiring.token}/pay/", {"from_account": account_of(camille, "ACH").pk})
    assert expired.status_code == 422 and expired.json()["code"] == "payment_request_expired"
    assert Transaction.objects.filter(kind=TRANSFER).count() == 0


# --- concurrency ------------------------------------------------------------------------------


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_two_payers_paying_one_request_at_once_post_exactly_one_transaction(make_member):
    bakery = make_member(kind=Member.Kind.BUSINESS, username="boulangerie")
    payers = [make_member(username=f"payer{i}") for i in range(6)]
    for payer in payers:
        give_ach(payer, "20.00")
    request = ask(bakery, amount="15.00")
    barrier = threading.Barrier(len(payers) * 2)
    outcomes: Counter = Counter()
    failures: list[BaseException] = []

    def pay(payer: Member) -> None:
        try:
            barrier.wait()
            payment_request_pay(request=request, payer_account=account_of(payer, "ACH"), actor=payer.user)
            outcomes["paid"] += 1
        except ApplicationError as exc:
            outcomes[exc.code] += 1
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(payer,)) for payer in payers * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert outcomes == Counter({"paid": 1, "payment_request_paid": 11})
    assert Transaction.objects.filter(kind=TRANSFER).count() == 1
    paid = PaymentRequest.objects.get(pk=request.pk)
    assert paid.status == PaymentRequest.Status.PAID
    assert account_of(bakery, "ACH").balance == 1500
    assert sorted(account_of(payer, "ACH").balance for payer in payers) == [500] + [2000] * 5
