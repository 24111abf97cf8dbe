"""Putting ACH on a member account as a comptoir would (euros in, ACH issued), for lane-B tests."""

from __future__ import annotations

from djmoney.money import Money

from currency.kinds import CONVERSION
from ledger.models import Account, Transaction
from ledger.services import system_account, transaction_post
from members.models import Member
from tests.conftest import account_of


def give_ach(member: Member, amount: str) -> Transaction:
    """EUR: world −x, guarantee_fund +x · ACH: issuance −x, member +x (the conversion flow)."""
    return transaction_post(
        legs=[
            (system_account(Account.SystemCode.WORLD, "EUR"), -Money(amount, "EUR")),
            (system_account(Account.SystemCode.GUARANTEE_FUND, "EUR"), Money(amount, "EUR")),
            (system_account(Account.SystemCode.ISSUANCE, "ACH"), -Money(amount, "ACH")),
            (account_of(member, "ACH"), Money(amount, "ACH")),
        ],
        kind=CONVERSION,
        memo="test conversion",
        actor=None,
    )
