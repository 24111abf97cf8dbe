"""Helpers of the ledger service tests (no tests here): hours, funding in ACH, what a refusal must leave."""

from __future__ import annotations

from djmoney.money import Money

from currency.kinds import CONVERSION
from ledger import services
from ledger.models import Account, Entry, Hold, Transaction


def hrs(amount: str) -> Money:
    return Money(amount, "HRS")


def ledger_state() -> tuple:
    """Everything a refused write must leave untouched."""
    accounts = tuple(Account.objects.order_by("id").values_list("id", "balance", "held", "min_balance", "max_balance"))
    holds = tuple(Hold.objects.order_by("id").values_list("id", "status", "captured_amount"))
    return Transaction.objects.count(), Entry.objects.count(), accounts, holds


def refresh(*accounts: Account) -> None:
    for account in accounts:
        account.refresh_from_db()


def fund_ach(account: Account, amount: str) -> Transaction:
    """A conversion € → ACH at a comptoir, so a member has local currency to spend."""
    return services.transaction_post(
        legs=[
            (services.system_account(Account.SystemCode.WORLD, "EUR"), Money(f"-{amount}", "EUR")),
            (services.system_account(Account.SystemCode.GUARANTEE_FUND, "EUR"), Money(amount, "EUR")),
            (services.system_account(Account.SystemCode.ISSUANCE, "ACH"), Money(f"-{amount}", "ACH")),
            (account, Money(amount, "ACH")),
        ],
        kind=CONVERSION,
        actor=None,
    )
