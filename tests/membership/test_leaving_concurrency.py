"""Leaving under concurrency (PostgreSQL, real threads and connections): a payment racing the
closing either lands first (leaving refused) or is refused by the closed account; two leaves at
once close the member once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from djmoney.money import Money

from core.errors import ApplicationError
from core.models import AuditEvent
from ledger.models import Account
from ledger.services import transfer_create
from members.models import Member
from membership.services import member_leave
from tests.conftest import requires_postgresql
from tests.currency.funding import give_ach
from tests.factories import account_of


def race(leaver: Member, payer: Member) -> tuple[str, str]:
    """The leaver leaves while the payer pays them 5 ACH, both let go at once."""
    barrier = threading.Barrier(2)

    def leave() -> str:
        try:
            member = Member.objects.get(pk=leaver.pk)
            barrier.wait(timeout=30)
            member_leave(member=member, actor=member.user)
            return "closed"
        except ApplicationError as exc:
            return exc.code
        finally:
            connection.close()

    def pay() -> str:
        try:
            barrier.wait(timeout=30)
            transfer_create(
                from_account=account_of(payer, "ACH"),
                to_account=account_of(leaver, "ACH"),
                amount=Money("5", "ACH"),
                actor=None,
            )
            return "paid"
        except ApplicationError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        left, paid = pool.submit(leave), pool.submit(pay)
        return left.result(), paid.result()


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_payment_racing_the_closing_never_leaves_money_in_a_closed_account(make_member):
    for _round in range(3):
        leaver, payer = make_member(), make_member()
        give_ach(payer, "5")
        outcome = race(leaver, payer)
        ach = Account.objects.get(holder=leaver, unit="ACH")
        assert outcome in {("closed", "account_closed"), ("balances_not_zero", "paid")}, outcome
        if outcome[0] == "closed":
            assert (ach.status, ach.balance) == (Account.Status.CLOSED, 0)
        else:
            assert (ach.status, ach.balance) == (Account.Status.OPEN, 500)


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_two_leaves_at_once_close_the_member_once(make_member):
    leaver = make_member()
    barrier = threading.Barrier(2)

    def leave(_: int) -> str:
        try:
            member = Member.objects.get(pk=leaver.pk)
            barrier.wait(timeout=30)
            member_leave(member=member, actor=member.user)
            return "closed"
        except ApplicationError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(leave, range(2)))
    assert outcomes == ["closed", "member_closed"]
    assert AuditEvent.objects.filter(action="member_leave").count() == 1
