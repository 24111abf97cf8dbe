"""Joining and the yearly membership: a year from joining, an expired one blocks payments, renewing
pays the fee (in ACH online, in euros at the association) in one transaction with its payment row."""

from __future__ import annotations

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone
from djmoney.money import Money

from ledger import services as ledger
from ledger.errors import MembershipExpired
from ledger.models import Account, Entry, Transaction
from members.models import Member
from membership.models import MembershipPayment
from membership.services import membership_renew
from tests.conftest import account_of, api_client_for, requires_postgresql
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


def test_joining_gives_a_year_of_membership(make_member):
    member = make_member()
    today = timezone.localdate()
    assert member.membership_expires_on == today.replace(year=today.year + 1) - datetime.timedelta(days=1)
    assert member.membership_valid_on()


def test_an_expired_membership_blocks_payments_and_posts_nothing_but_accounts_stay_readable(make_member):
    payer, payee = make_member(), make_member()
    Member.objects.filter(pk=payer.pk).update(membership_expires_on=timezone.localdate() - datetime.timedelta(days=1))
    payer.refresh_from_db()
    with pytest.raises(MembershipExpired):
        ledger.transfer_create(
            from_account=account_of(payer, "HRS"),
            to_account=account_of(payee, "HRS"),
            amount=Money("1", "HRS"),
            actor=None,
        )
    assert Transaction.objects.count() == 0
    # Being paid still works, and the statement still reads.
    ledger.transfer_create(
        from_account=account_of(payee, "HRS"), to_account=account_of(payer, "HRS"), amount=Money("2", "HRS"), actor=None
    )
    assert account_of(payer, "HRS").balance == 200
    client = api_client_for(payer.user)
    assert client.get(f"/api/accounts/{account_of(payer, 'HRS').pk}/entries/").status_code == 200
    refused = client.post(
        "/api/transfers/",
        {"from_account": account_of(payer, "HRS").pk, "to_account": account_of(payee, "HRS").pk, "amount": "1"},
        format="json",
        headers={"Idempotency-Key": "k1"},
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "membership_expired"
    assert Transaction.objects.count() == 1


def test_renewing_in_ach_pays_the_fee_to_the_fees_account_and_extends_by_a_year(make_member):
    member = make_member(kind=Member.Kind.BUSINESS)
    give_ach(member, "80")
    expiry = member.membership_expires_on
    payment = membership_renew(member=member, unit="ACH", actor=member.user)
    assert (payment.period_start, payment.period_end) == (
        expiry + datetime.timedelta(days=1),
        expiry.replace(year=expiry.year + 1),
    )
    assert payment.amount == 5000
    assert account_of(member, "ACH").balance == 3000
    assert ledger.system_account(Account.SystemCode.FEES, "ACH").balance == 5000
    member.refresh_from_db()
    assert member.membership_expires_on == payment.period_end


def test_renewing_in_euros_records_cash_received_by_the_association(make_member):
    member = make_member()
    Member.objects.filter(pk=member.pk).update(membership_expires_on=timezone.localdate() - datetime.timedelta(days=40))
    member.refresh_from_db()
    payment = membership_renew(member=member, unit="EUR", actor=None)
    assert payment.period_start == timezone.localdate()
    assert ledger.system_account(Account.SystemCode.FEES, "EUR").balance == 1000
    assert ledger.system_account(Account.SystemCode.WORLD, "EUR").balance == -1000
    assert member.membership_valid_on()


def test_renewing_without_enough_ach_is_refused_and_writes_nothing(make_member):
    member = make_member(kind=Member.Kind.BUSINESS)
    give_ach(member, "20")
    expiry = member.membership_expires_on
    entries = Entry.objects.count()
    with pytest.raises(Exception) as refusal:
        membership_renew(member=member, unit="ACH", actor=None)
    assert refusal.value.code == "insufficient_funds"
    assert Entry.objects.count() == entries
    assert MembershipPayment.objects.count() == 0
    member.refresh_from_db()
    assert member.membership_expires_on == expiry


def test_the_api_renews_my_membership_in_ach(make_member):
    member = make_member()
    give_ach(member, "15")
    response = api_client_for(member.user).post("/api/members/me/membership/", {"unit": "ACH"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "10.00"
    assert account_of(member, "ACH").balance == 500


def test_a_failure_after_the_fee_is_posted_leaves_neither_the_posting_nor_the_payment(make_member, monkeypatch):
    member = make_member(kind=Member.Kind.BUSINESS)
    give_ach(member, "80")
    expiry = member.membership_expires_on
    transactions, entries = Transaction.objects.count(), Entry.objects.count()

    def payment_row_fails(**_: object) -> None:
        raise RuntimeError("the payment row could not be written")

    monkeypatch.setattr(MembershipPayment.objects, "get_or_create", payment_row_fails)
    with pytest.raises(RuntimeError):
        membership_renew(member=member, unit="ACH", actor=None)
    assert (Transaction.objects.count(), Entry.objects.count()) == (transactions, entries)
    assert not Transaction.objects.filter(kind="membership").exists()
    assert MembershipPayment.objects.count() == 0
    assert account_of(member, "ACH").balance == 8000
    member.refresh_from_db()
    assert member.membership_expires_on == expiry

    monkeypatch.undo()
    payment = membership_renew(member=member, unit="ACH", actor=None)
    assert Transaction.objects.get(kind="membership").pk == payment.transaction_id
    assert account_of(member, "ACH").balance == 3000


def test_renewing_the_same_year_twice_gives_back_the_first_payment_and_posts_once(make_member):
    member = make_member(kind=Member.Kind.BUSINESS)
    stale = Member.objects.get(pk=member.pk)  # a second request that read the member before the first paid
    give_ach(member, "120")
    first = membership_renew(member=member, unit="ACH", actor=None)
    again = membership_renew(member=stale, unit="ACH", actor=None)
    assert again == first
    assert MembershipPayment.objects.count() == 1
    assert Transaction.objects.filter(kind="membership").count() == 1
    assert account_of(member, "ACH").balance == 7000


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_renewals_of_one_year_commit_one_posting_with_its_one_payment(make_member):
    member = make_member(kind=Member.Kind.BUSINESS)
    give_ach(member, "120")
    barrier = threading.Barrier(4)

    def renew(_: int) -> int:
        try:
            stale = Member.objects.get(pk=member.pk)
            barrier.wait(timeout=30)
            return membership_renew(member=stale, unit="ACH", actor=None).pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        payments = set(pool.map(renew, range(4)))

    assert payments == {MembershipPayment.objects.get().pk}
    assert Transaction.objects.filter(kind="membership").count() == 1
    assert account_of(member, "ACH").balance == 7000
