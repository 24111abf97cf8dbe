"""What the leaving tests count to prove a refusal wrote nothing."""

from __future__ import annotations

from core.models import AuditEvent
from ledger.models import Account, Hold, Transaction
from members.models import Member, UserSession


def snapshot(member: Member) -> tuple[int, int, int, str, list[str], bool, int]:
    """Transactions, holds, audit events, the member's status, its accounts' statuses, whether its
    user is active, its sessions."""
    member.refresh_from_db()
    member.user.refresh_from_db()
    return (
        Transaction.objects.count(),
        Hold.objects.count(),
        AuditEvent.objects.count(),
        member.status,
        list(Account.objects.filter(holder=member).order_by("id").values_list("status", flat=True)),
        member.user.is_active,
        UserSession.objects.filter(user=member.user).count(),
    )
