"""Erasure of personal data in ledger memos and audit events (a leaving member is pseudonymised).

Ledger rows are append-only; these are the one change the database lets through (migration 0014).
A transaction's seal covers a salted digest of its memo (ledger.sealing.memo_commitment), not the
memo: replacing the memo and clearing the salt leaves every seal valid, and without the salt the
old memo can no longer be tested against the digest. Each function is one UPDATE (atomic by
itself; inside the caller's block it commits with the rest of the pseudonymisation). They do not
audit: the caller records one event for the whole erasure.
"""

from __future__ import annotations

from typing import Any

from core.models import AuditEvent
from ledger.models import Hold, Transaction


def transaction_memo_erase(*, transaction: Transaction, memo: str, memo_params: dict[str, Any] | None) -> bool:
    """Replace the memo and its parameters and clear the salt; False, changing nothing, for a legacy row.

    A transaction sealed before memo commitments existed (empty `memo_digest`) has its memo inside
    its seal: it stays, an accounting record under legal retention. Erasing twice is harmless.
    """
    erased = (
        Transaction.objects.filter(pk=transaction.pk)
        .exclude(memo_digest="")
        .update(memo=memo, memo_params=memo_params, memo_salt="")
    )
    if not erased:
        return False
    transaction.memo, transaction.memo_params, transaction.memo_salt = memo, memo_params, ""
    return True


def hold_memo_erase(*, hold: Hold, memo: str, memo_params: dict[str, Any] | None) -> None:
    """Replace a hold's memo and its parameters, whatever its status (holds are not sealed)."""
    Hold.objects.filter(pk=hold.pk).update(memo=memo, memo_params=memo_params)
    hold.memo, hold.memo_params = memo, memo_params


def audit_event_redact(*, event: AuditEvent, reason: str, details: dict[str, Any]) -> None:
    """Replace an audit event's reason and details (the only columns the database lets change)."""
    AuditEvent.objects.filter(pk=event.pk).update(reason=reason, details=details)
    event.reason, event.details = reason, details
