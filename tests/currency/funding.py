"""Putting ACH on a member account as a comptoir would (euros in, ACH issued)."""

from __future__ import annotations

from ledger.models import Transaction
from members.models import Member
from tests.factories import account_of, fund


def give_ach(member: Member, amount: str) -> Transaction:
    """EUR: world −x, guarantee_fund +x · ACH: issuance −x, member +x (the conversion flow)."""
    return fund(account_of(member, "ACH"), amount)
