"""The ledger's tables: accounts, transactions, entries, holds and seals (`accounts`), the export
jobs, and standing orders (`standing_orders`). Import them from here: `from ledger.models import Account`."""

from ledger.models.accounts import (
    Account,
    Entry,
    ExportJob,
    Hold,
    Seal,
    Transaction,
    TransactionKind,
)
from ledger.models.standing_orders import StandingOrder, StandingOrderExecution

__all__ = [
    "Account",
    "Entry",
    "ExportJob",
    "Hold",
    "Seal",
    "StandingOrder",
    "StandingOrderExecution",
    "Transaction",
    "TransactionKind",
]
