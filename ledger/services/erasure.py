"""Erasing personal values from the ledger's rows when a member leaves (pseudonymisation).

# placeholder replaced on merge by h1: the real functions keep the seals verifiable (a memo's hash
# is sealed, not its text) and go through the triggers that refuse any other change; these are
# plain `.update()`s with the same signatures, for members.erasure to be written against.
"""

from __future__ import annotations

from typing import Any

from core.models import AuditEvent

from ..models import Hold, Transaction


def transaction_memo_erase(*, transaction: Transaction, memo: str, memo_params: dict[str, Any] | None) -> bool:
    """Replace a transaction's memo (and its parameters); False when the row cannot be erased (a
    legacy row sealed before memos could be erased: its memo is kept)."""
    Transaction.objects.filter(pk=transaction.pk).update(memo=memo, memo_params=memo_params)
    transaction.memo, transaction.memo_params = memo, memo_params
    return True


def hold_memo_erase(*, hold: Hold, memo: str, memo_params: dict[str, Any] | None) -> None:
    """Replace a hold's memo (and its parameters)."""
    Hold.objects.filter(pk=hold.pk).update(memo=memo, memo_params=memo_params)
    hold.memo, hold.memo_params = memo, memo_params


def audit_event_redact(*, event: AuditEvent, reason: str, details: dict[str, Any]) -> None:
    """Replace an audit event's reason and details (nothing else of it ever changes)."""
    AuditEvent.objects.filter(pk=event.pk).update(reason=reason, details=details)
    event.reason, event.details = reason, details
