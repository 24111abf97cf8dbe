"""The ledger's part of a member's personal data export (members.personal_data): their accounts,
every entry on them with its transaction's date, kind and memo, the holds from and to them, the
exports they asked for. Amounts are decimals in their unit, with the unit code (`amounts_in`, also
used by the domain apps for their own rows)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.personal_data import Section, exempt

from . import memos
from .models import Account, Entry, ExportJob, Hold, Transaction
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


SECTIONS = (
    Section(
        "ledger/accounts",
        _("Accounts"),
        Account,
        _accounts,
        computed=amounts_in("balance", "held", "min_balance", "max_balance"),
    ),
    Section(
        "ledger/entries",
        _("Entries on your accounts"),
        Entry,
        _entries,
        fields=("id", "account", "transaction", "date", "kind", "memo", "unit", "amount", "balance_after"),
    ),
    Section(
        "ledger/holds",
        _("Holds from and to your accounts"),
        Hold,
        _holds,
        computed=amounts_in("amount", "captured_amount"),
    ),
    Section(
        "ledger/export_jobs",
        _("Exports of the books you asked for"),
        ExportJob,
        lambda member: ExportJob.objects.filter(requested_by_id=member.user_id).order_by("pk"),
    ),
)


def exemptions() -> None:
    exempt(
        Transaction,
        "every transaction on the member's accounts is exported with its entries (ledger/entries: date, "
        "kind, memo); `actor` only names who posted it",
    )
