"""Every write to the ledger. Nothing else creates or changes a ledger row.

The package is split by behaviour: `postings` (a posting, a transfer, a reversal), `batch` (many
transfers at once), `holds` (two-phase transfers), `accounts` (opening, status, limits, system
accounts), `erasure` (the memos and audit events of a leaving member); `checks` holds the rules
they share and `retries` the bounded retry on deadlock. The names below are the public ones:
callers write `from ledger.services import transfer_create`.
"""

from ledger.locks import lock_accounts
from ledger.services.accounts import (
    SYSTEM_ACCOUNT_LIMITS,
    account_limits_set,
    account_open,
    account_status_set,
    accounts_open_for_member,
    system_account,
)
from ledger.services.batch import BatchOutcome, BatchTransfer, transactions_post_batch, transactions_post_batch_each
from ledger.services.checks import Leg, request_fingerprint
from ledger.services.erasure import audit_event_redact, hold_memo_erase, transaction_memo_erase
from ledger.services.holds import (
    HoldCapture,
    HoldOutcome,
    hold_capture,
    hold_create,
    hold_expire,
    hold_void,
    holds_capture_batch,
    holds_expire_due,
    holds_void_batch,
)
from ledger.services.postings import post_locked, transaction_post, transaction_reverse, transfer_create
from ledger.services.standing_orders import (
    standing_order_cancel,
    standing_order_create,
    standing_order_run,
    standing_orders_cancel_for_accounts,
    standing_orders_run_due,
)

__all__ = [
    "SYSTEM_ACCOUNT_LIMITS",
    "BatchOutcome",
    "BatchTransfer",
    "HoldCapture",
    "HoldOutcome",
    "Leg",
    "account_limits_set",
    "account_open",
    "account_status_set",
    "accounts_open_for_member",
    "audit_event_redact",
    "hold_capture",
    "hold_create",
    "hold_expire",
    "hold_memo_erase",
    "hold_void",
    "holds_capture_batch",
    "holds_expire_due",
    "holds_void_batch",
    "lock_accounts",
    "post_locked",
    "request_fingerprint",
    "standing_order_cancel",
    "standing_order_create",
    "standing_order_run",
    "standing_orders_cancel_for_accounts",
    "standing_orders_run_due",
    "system_account",
    "transaction_memo_erase",
    "transaction_post",
    "transaction_reverse",
    "transactions_post_batch",
    "transactions_post_batch_each",
    "transfer_create",
]
