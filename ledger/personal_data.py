"""The ledger's part of a member's personal data export (members.personal_data): their accounts,
every entry on them with its transaction's date, kind and memo, the holds from and to them, the
exports they asked for. Amounts are decimals in their unit, with the unit code (`amounts_in`, also
used by the domain apps for their own rows).

On leaving (members.erasure): their accounts take the pseudonym as name; the memos of the
transactions and holds on their accounts or posted by them lose the member's values (a coded memo's
parameters hold the pseudonym instead and the memo is rendered again; a memo they typed, or naming
them, becomes « Libellé effacé »), through ledger.services.erasure, which keeps the seals verifiable;
the audit events about them or done by them have their values redacted (« [effacé] »)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent
from members import erasure
from members.models import ApiToken
from members.personal_data import Section, erase_with, exempt
from members.personal_data_sections import audit_events_of

from . import memos
from .models import Account, Entry, ExportJob, Hold, StandingOrder, Transaction
from .services.erasure import audit_event_redact, hold_memo_erase, transaction_memo_erase
from .units import all_units


def decimal_of(minor: int | None, unit: str) -> Any:
    """Minor units as a decimal in `unit` (unchanged when the unit is unknown or the amount None)."""
    known = all_units().get(unit)
    if minor is None or known is None:
        return minor
    return known.to_decimal(minor)


def amounts_in(
    *fields: str, unit_field: str = "unit", unit: str | None = None, unit_of: Callable[[Any], str] | None = None
) -> Callable[[Any], dict[str, Any]]:
    """A section's `computed`: each of `fields` (minor units) as a decimal, and `unit` the unit's code
    (the row's `unit_field`, or a fixed `unit`, or `unit_of(row)`)."""

    def computed(row: Any) -> dict[str, Any]:
        code = unit_of(row) if unit_of is not None else unit or getattr(row, unit_field, "") or ""
        return {"unit": code, **{name: decimal_of(getattr(row, name), code) for name in fields}}

    return computed


def _accounts(member: Any) -> Any:
    return Account.objects.filter(holder=member).order_by("pk")


def _entries(member: Any) -> Iterator[dict[str, Any]]:
    entries = (
        Entry.objects.filter(account__holder=member)
        .select_related("transaction")
        .order_by("transaction__created_at", "pk")
    )
    for entry in entries.iterator(chunk_size=500):
        transaction = entry.transaction
        yield {
            "id": entry.pk,
            "account": entry.account_id,
            "transaction": transaction.pk,
            "date": transaction.created_at,
            "kind": transaction.kind_id,
            "memo": memos.display(transaction.memo, transaction.memo_code or "", transaction.memo_params),
            "unit": entry.unit,
            "amount": decimal_of(entry.amount, entry.unit),
            "balance_after": decimal_of(entry.balance_after, entry.unit),
        }


def _holds(member: Any) -> Any:
    return Hold.objects.filter(Q(debit_account__holder=member) | Q(credit_account__holder=member)).order_by("pk")


# --- erasure on leaving ------------------------------------------------------------------------


def _accounts_erase(member: Any) -> int:
    return (
        Account.objects.filter(holder=member)
        .exclude(name=erasure.pseudonym(member))
        .update(name=erasure.pseudonym(member))
    )


def erased_memo(row: Any, member: Any, values: list[str]) -> tuple[str, dict[str, Any] | None] | None:
    """The memo and parameters `row` (a transaction or a hold) should have once `member` left, or None
    when it names nothing of theirs."""
    if row.memo_code:
        params, changed = _params_erased(row.memo_params or {}, values, erasure.pseudonym(member))
        if not changed and not erasure.mentions(row.memo, values):
            return None
        text = memos.Memo(row.memo_code, params, fallback=erasure.site_text(erasure.MEMO_ERASED)).stored_text()
        return (
            (erasure.site_text(erasure.MEMO_ERASED), params) if erasure.mentions(text, values) else (text[:255], params)
        )
    erased_text = erasure.site_text(erasure.MEMO_ERASED)
    if not row.memo or row.memo == erased_text:
        return None
    if row.actor_id == member.user_id or erasure.mentions(row.memo, values):
        return erased_text, row.memo_params
    return None


def _params_erased(params: dict[str, Any], values: list[str], name: str) -> tuple[dict[str, Any], bool]:
    """A memo's parameters with each one naming the member replaced by their pseudonym."""
    out, changed = {}, False
    for key, value in params.items():
        if isinstance(value, str) and erasure.mentions(value, values):
            out[key], changed = name, True
        else:
            out[key] = value
    return out, changed


def _transactions_erase(member: Any) -> int:
    rows = Transaction.objects.filter(
        Q(pk__in=Entry.objects.filter(account__holder=member).values("transaction_id")) | Q(actor_id=member.user_id)
    )
    return _memos_erase(member, rows)


def transaction_memos_erase(*, member: Any, transaction_ids: Any) -> int:
    """Erase the member's values from the memos of the transactions `transaction_ids` (ids, or a
    values() queryset of them), for a domain app whose transactions name a member without touching
    their accounts (a share subscription paid in euros). Returns how many memos changed."""
    return _memos_erase(member, Transaction.objects.filter(pk__in=transaction_ids))


def _memos_erase(member: Any, rows: Any) -> int:
    values = erasure.current_values(member)
    erased = 0
    for row in rows.order_by("pk").iterator(chunk_size=500):
        new = erased_memo(row, member, values)
        if new is None:
            continue
        if transaction_memo_erase(transaction=row, memo=new[0], memo_params=new[1]):
            erased += 1
        else:
            erasure.note_legacy_memo_kept()
    return erased


def _holds_erase(member: Any) -> int:
    values = erasure.current_values(member)
    erased = 0
    for hold in (_holds(member) | Hold.objects.filter(actor_id=member.user_id)).distinct().order_by("pk"):
        new = erased_memo(hold, member, values)
        if new is not None:
            hold_memo_erase(hold=hold, memo=new[0], memo_params=new[1])
            erased += 1
    return erased


def _audit_events_erase(member: Any) -> int:
    values = erasure.current_values(member)
    # The names the member gave their API tokens' devices (« Téléphone de Zéphirine »), audited on the token.
    tokens = ApiToken.objects.filter(user_id=member.user_id)
    devices = [device for device in tokens.values_list("device", flat=True) if device]
    about_tokens = AuditEvent.objects.filter(
        object_type=ApiToken._meta.label_lower, object_id__in=[str(pk) for pk in tokens.values_list("pk", flat=True)]
    )
    erased = 0
    for event in (audit_events_of(member) | about_tokens).exclude(action="member_erase").distinct():
        reason, reason_changed = erasure.redact(event.reason, values + devices)
        details, details_changed = erasure.redact(event.details, values + devices)
        if reason_changed or details_changed:
            audit_event_redact(event=event, reason=reason, details=details)
            erased += 1
    return erased


def _standing_orders(member: Any) -> Any:
    return StandingOrder.objects.filter(Q(from_account__holder=member) | Q(to_account__holder=member)).order_by("pk")


def _standing_orders_erase(member: Any) -> int:
    """The memos of the member's standing orders (free text they or the other party typed) go; the
    orders themselves were cancelled when the member left (membership/services/leaving.py)."""
    erased_text = erasure.site_text(erasure.MEMO_ERASED)
    return _standing_orders(member).exclude(memo="").exclude(memo=erased_text).update(memo=erased_text)


SECTIONS = (
    Section(
        "ledger/accounts",
        _("Accounts"),
        Account,
        _accounts,
        computed=amounts_in("balance", "held", "min_balance", "max_balance"),
        erase=_accounts_erase,
    ),
    Section(
        "ledger/entries",
        _("Entries on your accounts"),
        Entry,
        _entries,
        fields=("id", "account", "transaction", "date", "kind", "memo", "unit", "amount", "balance_after"),
        erase=_transactions_erase,
    ),
    Section(
        "ledger/holds",
        _("Holds from and to your accounts"),
        Hold,
        _holds,
        computed=amounts_in("amount", "captured_amount"),
        erase=_holds_erase,
    ),
    Section(
        "ledger/standing_orders",
        _("Standing orders from and to your accounts"),
        StandingOrder,
        _standing_orders,
        fields=(
            "id",
            "from_account",
            "to_account",
            "unit",
            "period",
            "day",
            "start",
            "end",
            "count",
            "memo",
            "status",
            "next_due",
            "created_at",
            "cancelled_at",
        ),
        computed=amounts_in("amount"),
        erase=_standing_orders_erase,
    ),
    Section(
        "ledger/export_jobs",
        _("Exports of the books you asked for"),
        ExportJob,
        lambda member: ExportJob.objects.filter(requested_by_id=member.user_id).order_by("pk"),
        keeps="exports of the books asked for by auditors: parameters chosen from a form, no free text",
    ),
)


def erasers() -> None:
    """The audit log's redaction is the ledger's (its rows change only through audit_event_redact)."""
    erase_with("core/audit_events", _audit_events_erase)


def exemptions() -> None:
    exempt(
        Transaction,
        "every transaction on the member's accounts is exported with its entries (ledger/entries: date, "
        "kind, memo); `actor` only names who posted it",
    )
